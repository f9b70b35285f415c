package org.isgd.trainer.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-sample training augmentation on flat row-major images, in place.
 *
 * <p>{@code standard}: a random crop of the image zero-padded by {@value #PAD} pixels on every side
 * (i.e. a shift by up to ±{@value #PAD} pixels in each direction, uncovered pixels 0), then a
 * horizontal flip with probability ½. {@code none}: images pass unchanged. {@code mixup} and
 * {@code ricap} crop and flip like {@code standard} here, then blend whole batches (see
 * {@link Mixing}). The random stream is seeded so that one seed gives one sequence of
 * augmentations, run after run.
 */
public final class Augmenter {
    public static final int PAD = 2;

    /** The augmentation modes accepted on the command line. */
    public enum Mode {
        STANDARD, NONE, MIXUP, RICAP;

        /** Parses {@code standard}, {@code none}, {@code mixup} or {@code ricap}, case-insensitively. */
        public static Mode parse(final String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown augmentation '" + name
                        + "'; use 'standard', 'none', 'mixup' or 'ricap'", e);
            }
        }

        /** Whether this mode blends the images of a batch ({@code mixup}, {@code ricap}). */
        public boolean mixes() {
            return this == MIXUP || this == RICAP;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    private final int rows;
    private final int cols;
    private final SplittableRandom random;
    private final float[] scratch;

    public Augmenter(final Mode mode, final int rows, final int cols, final long seed) {
        this.mode = mode;
        this.rows = rows;
        this.cols = cols;
        this.random = new SplittableRandom(seed);
        this.scratch = new float[rows * cols];
    }

    public Mode mode() {
        return mode;
    }

    /** Augments the image at {@code images[offset .. offset + rows*cols)} in place. */
    public void apply(final float[] images, final int offset) {
        if (mode == Mode.NONE) {
            return;
        }
        final int dy = random.nextInt(-PAD, PAD + 1);
        final int dx = random.nextInt(-PAD, PAD + 1);
        final boolean flip = random.nextBoolean();
        System.arraycopy(images, offset, scratch, 0, scratch.length);
        Arrays.fill(images, offset, offset + scratch.length, 0f);
        // Output pixel (r, c) is input pixel (r + dy, c' + dx), with c' mirrored when flipping.
        for (int r = 0; r < rows; r++) {
            final int sr = r + dy;
            if (sr < 0 || sr >= rows) {
                continue;
            }
            for (int c = 0; c < cols; c++) {
                final int sc = (flip ? cols - 1 - c : c) + dx;
                if (sc >= 0 && sc < cols) {
                    images[offset + r * cols + c] = scratch[sr * cols + sc];
                }
            }
        }
    }
}
