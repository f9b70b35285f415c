package org.isgd.trainer.data;

import java.util.SplittableRandom;

/**
 * Mixup (Zhang et al. 2018): one λ ~ Beta(α, α) per batch and a random permutation π;
 * {@code x'_i = λ·x_i + (1−λ)·x_π(i)}, {@code t'_i = λ·t_i + (1−λ)·t_π(i)}, so the loss is
 * {@code λ·CE(y_i) + (1−λ)·CE(y_π(i))}. α defaults to {@value #DEFAULT_ALPHA}, the value Zhang et
 * al. use on CIFAR-10 (small 32×32 images like Fashion-MNIST's; 0.2 is their ImageNet value).
 */
final class MixUp implements Mixing {
    static final double DEFAULT_ALPHA = 1.0;

    private final int imageSize;
    private final int classes;
    private final double alpha;

    MixUp(final int imageSize, final int classes, final double alpha) {
        this.imageSize = imageSize;
        this.classes = classes;
        this.alpha = alpha;
    }

    @Override
    public Mixed mix(final float[] pixels, final float[] targets, final int size, final SplittableRandom random) {
        final float lambda = (float) BetaSampler.sample(random, alpha, alpha);
        return mix(pixels, targets, size, lambda, Mixing.permutation(size, random));
    }

    /** Mixup with a given λ and partner permutation. */
    Mixed mix(final float[] pixels, final float[] targets, final int size, final float lambda, final int[] partner) {
        return new Mixed(blend(pixels, imageSize, size, lambda, partner), blend(targets, classes, size, lambda, partner));
    }

    private static float[] blend(final float[] rows, final int width, final int size, final float lambda,
                                 final int[] partner) {
        final float[] out = new float[size * width];
        for (int i = 0; i < size; i++) {
            final int a = i * width;
            final int b = partner[i] * width;
            for (int k = 0; k < width; k++) {
                out[a + k] = lambda * rows[a + k] + (1 - lambda) * rows[b + k];
            }
        }
        return out;
    }
}
