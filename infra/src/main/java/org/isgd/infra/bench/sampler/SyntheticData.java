package org.isgd.infra.bench.sampler;

import java.util.SplittableRandom;
import org.isgd.contract.Columns;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.PredictionBatch;

/**
 * The sampler benchmark's synthetic dataset: sample i has label i mod 10, and a prediction for it
 * carries made-up but valid numbers (what a 10-class softmax could give), so the sampler does all
 * the work a real one costs: decoding, validation, state update, sum-tree update, journal.
 */
final class SyntheticData {
    static final int CLASSES = 10;
    static final String TRAINER_ID = "bench";

    private SyntheticData() {
    }

    static int label(final long sampleId) {
        return (int) (sampleId % CLASSES);
    }

    static int[] labels(final int n) {
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = label(i);
        }
        return labels;
    }

    /**
     * A trainer's answer to {@code batch}: a made-up but valid prediction for each of its samples;
     * the first row for sample {@code probe} instead when that is not -1 (see {@link HistoryProbes}).
     */
    static PredictionBatch predictions(final IndexBatchCodec.Batch batch, final SplittableRandom random,
                                       final long probe) {
        final int n = batch.size();
        final long[] ids = new long[n];
        final int[] labels = new int[n];
        final float[] pCorrect = new float[n];
        final float[] loss = new float[n];
        final float[] gradNormBound = new float[n];
        final int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i == 0 && probe >= 0 ? probe : batch.sampleIds()[i];
            labels[i] = label(ids[i]);
            pCorrect[i] = (float) random.nextDouble(0.01, 1.0);
            loss[i] = (float) -Math.log(pCorrect[i]);
            gradNormBound[i] = (float) (Math.sqrt(2) * (1 - pCorrect[i]));
            predicted[i] = pCorrect[i] > 0.5f ? labels[i] : (labels[i] + 1) % CLASSES;
        }
        return PredictionBatch.newBuilder().setRunId(batch.runId()).setRank(batch.rank())
                .setBatchSeq(batch.batchSeq()).setStep(batch.batchSeq()).setTrainLoss(0.5f).setTrainerId(TRAINER_ID)
                .setTimestamp(System.currentTimeMillis()).setCount(n).setSampleIds(Columns.ofLongs(ids))
                .setLabels(Columns.ofInts(labels)).setPCorrect(Columns.ofFloats(pCorrect)).setLoss(Columns.ofFloats(loss))
                .setGradNormBound(Columns.ofFloats(gradNormBound)).setPredicted(Columns.ofInts(predicted)).build();
    }
}
