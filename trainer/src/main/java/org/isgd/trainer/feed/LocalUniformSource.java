package org.isgd.trainer.feed;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.TrainingBatch;

/**
 * The in-process uniform sampler, the baseline every policy is compared against: each epoch is a
 * fresh seeded permutation of the training set cut into batches, so within an epoch every sample
 * is drawn exactly once (the last batch of an epoch may be smaller). Weights are 1.
 */
public final class LocalUniformSource implements BatchSource {
    public static final String POLICY = "uniform";
    public static final String PHASE = "uniform";

    private final String runId;
    private final int batchSize;
    private final long maxBatches;
    private final SplittableRandom random;
    private final int[] permutation;
    private int cursor;
    private long batchSeq;

    /**
     * @param datasetSize samples in the training set; ids are {@code 0 .. datasetSize-1}
     * @param maxBatches batches to emit before reporting exhaustion, e.g. epochs × {@link #batchesPerEpoch}
     */
    public LocalUniformSource(final String runId, final int datasetSize, final int batchSize, final long seed,
                              final long maxBatches) {
        if (datasetSize <= 0 || batchSize <= 0 || maxBatches < 0) {
            throw new IllegalArgumentException("dataset size (" + datasetSize + ") and batch size (" + batchSize
                    + ") must be positive and maxBatches (" + maxBatches + ") non-negative");
        }
        this.runId = runId;
        this.batchSize = batchSize;
        this.maxBatches = maxBatches;
        this.random = new SplittableRandom(seed);
        this.permutation = new int[datasetSize];
        for (int i = 0; i < datasetSize; i++) {
            permutation[i] = i;
        }
        this.cursor = datasetSize; // forces a shuffle before the first batch
    }

    /** Batches in one epoch: {@code ceil(datasetSize / batchSize)}. */
    public static long batchesPerEpoch(final int datasetSize, final int batchSize) {
        return (datasetSize + (long) batchSize - 1) / batchSize;
    }

    @Override
    public Optional<TrainingBatch> next(final Duration timeout) {
        if (batchSeq >= maxBatches) {
            return Optional.empty();
        }
        if (cursor == permutation.length) {
            shuffle();
            cursor = 0;
        }
        final int size = Math.min(batchSize, permutation.length - cursor);
        final long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = permutation[cursor + i];
        }
        cursor += size;
        final float[] weights = new float[size];
        Arrays.fill(weights, 1f);
        return Optional.of(new TrainingBatch(runId, batchSeq++, 0, ids, weights, POLICY, PHASE));
    }

    private void shuffle() {
        for (int i = permutation.length - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int swap = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = swap;
        }
    }

    @Override
    public void close() {
    }
}
