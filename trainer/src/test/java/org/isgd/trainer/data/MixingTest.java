package org.isgd.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.isgd.trainer.TestData;
import org.junit.jupiter.api.Test;

class MixingTest {
    private static final LabelledImages IMAGES = FashionMnist.load(TestData.sliceDir(), 32, 1).train();
    private static final int SIZE = 32;
    private static final int CLASSES = 10;

    @Test
    void mixupWithLambdaOneIsThePlainBatch() {
        final float[] oneHot = oneHot(IMAGES.labels());
        final int[] partner = Mixing.permutation(SIZE, new SplittableRandom(5));
        final Mixing.Mixed mixed = new MixUp(IMAGES.imageSize(), CLASSES, MixUp.DEFAULT_ALPHA)
                .mix(IMAGES.pixels(), oneHot, SIZE, 1f, partner);
        // same inputs and same one-hot targets, so the one loss formula gives exactly the plain loss
        assertArrayEquals(IMAGES.pixels(), mixed.pixels(), 0f);
        assertArrayEquals(oneHot, mixed.targets(), 0f);
    }

    @Test
    void mixupBlendsImagesAndLabelsWithTheSameLambda() {
        final float[] oneHot = oneHot(IMAGES.labels());
        final int[] partner = Mixing.permutation(SIZE, new SplittableRandom(5));
        final Mixing.Mixed mixed = new MixUp(IMAGES.imageSize(), CLASSES, 1.0)
                .mix(IMAGES.pixels(), oneHot, SIZE, 0.3f, partner);
        final int n = IMAGES.imageSize();
        for (int i = 0; i < SIZE; i++) {
            assertEquals(0.3f * IMAGES.pixels()[i * n + 400] + 0.7f * IMAGES.pixels()[partner[i] * n + 400],
                    mixed.pixels()[i * n + 400], 1e-6f);
            final float[] expected = new float[CLASSES];
            expected[IMAGES.label(i)] += 0.3f;
            expected[IMAGES.label(partner[i])] += 0.7f;
            assertArrayEquals(expected, Arrays.copyOfRange(mixed.targets(), i * CLASSES, (i + 1) * CLASSES), 1e-6f);
        }
    }

    @Test
    void ricapAreasTileTheImageAndSetTheLabelMix() {
        // image j is filled with the value j + 1 and labelled j, so each output pixel names its source image
        final int rows = 28;
        final int cols = 28;
        final int size = CLASSES;
        final float[] pixels = new float[size * rows * cols];
        final int[] labels = new int[size];
        for (int j = 0; j < size; j++) {
            Arrays.fill(pixels, j * rows * cols, (j + 1) * rows * cols, j + 1f);
            labels[j] = j;
        }
        final Ricap ricap = new Ricap(rows, cols, CLASSES, Ricap.DEFAULT_BETA);
        boolean sawAMix = false;
        for (long seed = 0; seed < 20; seed++) {
            final Mixing.Mixed mixed = ricap.mix(pixels, oneHot(labels), size, new SplittableRandom(seed));
            for (int i = 0; i < size; i++) {
                final int[] area = new int[size];
                for (int p = 0; p < rows * cols; p++) {
                    final float v = mixed.pixels()[i * rows * cols + p];
                    assertTrue(v >= 1 && v <= size && v == Math.rint(v), "pixel " + p + " comes from no image: " + v);
                    area[(int) v - 1]++;
                }
                assertEquals(rows * cols, Arrays.stream(area).sum(), "the four patches cover the image");
                float total = 0;
                for (int c = 0; c < CLASSES; c++) {
                    final float target = mixed.targets()[i * CLASSES + c];
                    assertEquals((float) area[c] / (rows * cols), target, 1e-6f, "label mix = area share, seed " + seed);
                    total += target;
                }
                assertEquals(1f, total, 1e-5f);
                sawAMix |= Arrays.stream(area).filter(a -> a > 0).count() > 1;
            }
        }
        assertTrue(sawAMix, "RICAP never mixed two images");
    }

    @Test
    void mixedBatchesAreDeterministicPerSeed() {
        final float[] oneHot = oneHot(IMAGES.labels());
        for (final Augmenter.Mode mode : new Augmenter.Mode[] {Augmenter.Mode.MIXUP, Augmenter.Mode.RICAP}) {
            final Mixing mixing = Mixing.of(mode, 28, 28, CLASSES);
            final Mixing.Mixed a = mixing.mix(IMAGES.pixels(), oneHot, SIZE, new SplittableRandom(11));
            final Mixing.Mixed b = mixing.mix(IMAGES.pixels(), oneHot, SIZE, new SplittableRandom(11));
            final Mixing.Mixed c = mixing.mix(IMAGES.pixels(), oneHot, SIZE, new SplittableRandom(12));
            assertArrayEquals(a.pixels(), b.pixels(), 0f, mode.id());
            assertArrayEquals(a.targets(), b.targets(), 0f, mode.id());
            assertFalse(Arrays.equals(a.pixels(), c.pixels()), mode.id() + " ignores the seed");
        }
        assertNull(Mixing.of(Augmenter.Mode.STANDARD, 28, 28, CLASSES));
        assertNull(Mixing.of(Augmenter.Mode.NONE, 28, 28, CLASSES));
    }

    @Test
    void betaSamplesHaveTheRightMean() {
        final SplittableRandom random = new SplittableRandom(1);
        for (final double shape : new double[] {0.3, 1.0, 2.0}) {
            double sum = 0;
            double outer = 0;
            final int n = 20_000;
            for (int k = 0; k < n; k++) {
                final double x = BetaSampler.sample(random, shape, shape);
                assertTrue(x >= 0 && x <= 1, "Beta sample " + x);
                sum += x;
                outer += x < 0.1 || x > 0.9 ? 1 : 0;
            }
            assertEquals(0.5, sum / n, 0.01, "mean of Beta(" + shape + ", " + shape + ")");
            // mass in the outer 20%: Beta(0.3, 0.3) is U-shaped, Beta(1, 1) uniform, Beta(2, 2) humped
            final double expectedOuter = shape == 0.3 ? 0.565 : shape == 1.0 ? 0.2 : 0.056;
            assertEquals(expectedOuter, outer / n, 0.03, "outer mass of Beta(" + shape + ", " + shape + ")");
        }
    }

    private static float[] oneHot(final int[] labels) {
        final float[] out = new float[labels.length * CLASSES];
        for (int i = 0; i < labels.length; i++) {
            out[i * CLASSES + labels[i]] = 1f;
        }
        return out;
    }
}
