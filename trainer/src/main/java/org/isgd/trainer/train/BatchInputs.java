package org.isgd.trainer.train;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.isgd.trainer.data.Augmenter;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.data.Mixing;

/**
 * Turns a batch of sample ids into network inputs: looks each image up by id (the id is its index
 * in the training set), augments it, and gathers labels and one-hot targets. Buffers are reused
 * across batches of the same size. With a mixing mode it also blends the batch ({@link #mixed()});
 * its random stream is seeded by the trainer seed and the batch's sequence number, so a batch is
 * mixed the same way whenever (and after whichever resume) it is trained.
 */
final class BatchInputs {
    private final LabelledImages images;
    private final Augmenter augmenter;
    private final Mixing mixing;
    private final long seed;
    private Mixing.Mixed mixed;
    private float[] pixels = new float[0];
    private float[] oneHot = new float[0];
    private int[] labels = new int[0];

    BatchInputs(final LabelledImages images, final Augmenter augmenter, final long seed) {
        this.images = images;
        this.augmenter = augmenter;
        this.mixing = Mixing.of(augmenter.mode(), images.rows(), images.cols(), images.numClasses());
        this.seed = seed;
    }

    /** Fills the buffers for {@code batch}; read them with the accessors until the next call. */
    void assemble(final TrainingBatch batch) {
        final int size = batch.size();
        final int imageSize = images.imageSize();
        final int classes = images.numClasses();
        if (labels.length != size) {
            pixels = new float[size * imageSize];
            oneHot = new float[size * classes];
            labels = new int[size];
        } else {
            Arrays.fill(oneHot, 0f);
        }
        for (int i = 0; i < size; i++) {
            final int index = indexOf(batch, i);
            images.copyImage(index, pixels, i * imageSize);
            augmenter.apply(pixels, i * imageSize);
            labels[i] = images.label(index);
            oneHot[i * classes + labels[i]] = 1f;
            final float weight = batch.weights()[i];
            if (!Float.isFinite(weight) || weight < 0) {
                throw new IllegalArgumentException("weight " + weight + " of sample " + batch.sampleIds()[i]
                        + " in batch " + batch.batchSeq() + " of run " + batch.runId()
                        + " is not a finite non-negative number; the sampler sent a bad batch");
            }
        }
        mixed = mixing == null ? null : mixing.mix(pixels, oneHot, size, mixingRandom(seed, batch.batchSeq()));
    }

    /** The random stream that mixes batch {@code batchSeq} of a run trained with {@code seed}. */
    static SplittableRandom mixingRandom(final long seed, final long batchSeq) {
        return new SplittableRandom(new SplittableRandom(seed).nextLong() ^ (batchSeq * 0x9E3779B97F4A7C15L));
    }

    private int indexOf(final TrainingBatch batch, final int i) {
        final long id = batch.sampleIds()[i];
        if (id < 0 || id >= images.size()) {
            throw new IllegalArgumentException("sample id " + id + " in batch " + batch.batchSeq() + " of run "
                    + batch.runId() + " is outside the training set [0, " + images.size() + "); the sampler and "
                    + "the trainer disagree on the dataset: register and train on the same data (and the same --limit)");
        }
        return (int) id;
    }

    /** The blended batch the optimizer trains on, or null when the mode does not mix. */
    Mixing.Mixed mixed() {
        return mixed;
    }

    /** The un-mixed (cropped and flipped, or clean) images, one per sample of the batch. */
    float[] pixels() {
        return pixels;
    }

    float[] oneHot() {
        return oneHot;
    }

    int[] labels() {
        return labels;
    }
}
