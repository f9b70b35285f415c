package org.isgd.trainer.data;

import java.util.SplittableRandom;

/**
 * RICAP (Takahashi et al. 2018): a boundary point (w, h) with w = round(W·Beta(β, β)),
 * h = round(H·Beta(β, β)), one per batch, splits the output into four patches of sizes
 * (w, h), (W−w, h), (w, H−h), (W−w, H−h) (top-left, top-right, bottom-left, bottom-right);
 * patch k of position i is a crop of that size, at a uniformly random place, from image π_k(i),
 * and the target is {@code Σ_k (area_k / (W·H))·t_π_k(i)}. β defaults to {@value #DEFAULT_BETA},
 * the paper's value. π_0 is the identity (so position i's top-left patch comes from sample i, whose
 * weight the position's loss carries); π_1..π_3 are random permutations, as in the paper.
 */
final class Ricap implements Mixing {
    static final double DEFAULT_BETA = 0.3;
    static final int PATCHES = 4;

    private final int rows;
    private final int cols;
    private final int classes;
    private final double beta;

    Ricap(final int rows, final int cols, final int classes, final double beta) {
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
        this.beta = beta;
    }

    @Override
    public Mixed mix(final float[] pixels, final float[] targets, final int size, final SplittableRandom random) {
        final int w = (int) Math.round(cols * BetaSampler.sample(random, beta, beta));
        final int h = (int) Math.round(rows * BetaSampler.sample(random, beta, beta));
        final int[][] sources = new int[PATCHES][];
        sources[0] = identity(size);
        for (int k = 1; k < PATCHES; k++) {
            sources[k] = Mixing.permutation(size, random);
        }
        final int imageSize = rows * cols;
        final float[] out = new float[size * imageSize];
        final float[] soft = new float[size * classes];
        for (int k = 0; k < PATCHES; k++) {
            final int pw = k % 2 == 0 ? w : cols - w;
            final int ph = k < 2 ? h : rows - h;
            final int left = k % 2 == 0 ? 0 : w;
            final int top = k < 2 ? 0 : h;
            final float share = (float) (pw * ph) / imageSize;
            for (int i = 0; i < size; i++) {
                final int src = sources[k][i];
                // the crop's top-left corner, uniform over the places where it fits
                final int cy = random.nextInt(rows - ph + 1);
                final int cx = random.nextInt(cols - pw + 1);
                for (int r = 0; r < ph; r++) {
                    System.arraycopy(pixels, src * imageSize + (cy + r) * cols + cx,
                            out, i * imageSize + (top + r) * cols + left, pw);
                }
                for (int c = 0; c < classes; c++) {
                    soft[i * classes + c] += share * targets[src * classes + c];
                }
            }
        }
        return new Mixed(out, soft);
    }

    private static int[] identity(final int size) {
        final int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        return order;
    }
}
