package org.isgd.trainer.data;

import java.util.SplittableRandom;

/**
 * A batch-level augmentation that blends the images of a batch and their targets: mixup or RICAP.
 * It runs after the per-image {@link Augmenter} (crop + flip) and leaves its inputs unchanged, so
 * the un-mixed batch stays available for the per-sample predictions the sampler receives.
 *
 * <p>The targets it returns are soft labels, row {@code i} a probability vector over the classes,
 * so that one loss, {@code -Σ_c target[i][c]·log p[i][c]}, serves every mode; it equals the
 * papers' {@code Σ_k c_k·CE(y_k)} because cross-entropy is linear in the target. Position
 * {@code i} of the mixed batch always contains a part of sample {@code i} (its λ share in mixup,
 * its top-left crop in RICAP), and the trainer multiplies position {@code i}'s mixed loss by
 * {@code weights[i]}.
 */
public interface Mixing {
    /** The mixed images and their soft targets, both row-major: (size, rows·cols) and (size, classes). */
    record Mixed(float[] pixels, float[] targets) {
    }

    /**
     * Mixes {@code size} images of {@code pixels} with their one-hot {@code targets} (neither is
     * modified), drawing every random choice from {@code random}.
     */
    Mixed mix(float[] pixels, float[] targets, int size, SplittableRandom random);

    /** The mixing of {@code mode}, or null for the modes that do not mix ({@code standard}, {@code none}). */
    static Mixing of(final Augmenter.Mode mode, final int rows, final int cols, final int classes) {
        return switch (mode) {
            case MIXUP -> new MixUp(rows * cols, classes, MixUp.DEFAULT_ALPHA);
            case RICAP -> new Ricap(rows, cols, classes, Ricap.DEFAULT_BETA);
            case STANDARD, NONE -> null;
        };
    }

    /** A uniformly random permutation of {@code 0 .. size-1} (Fisher-Yates). */
    static int[] permutation(final int size, final SplittableRandom random) {
        final int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
