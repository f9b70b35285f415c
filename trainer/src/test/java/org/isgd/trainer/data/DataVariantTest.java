package org.isgd.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataVariantTest {
    private static final int PER_CLASS = 1000;

    /** 10 classes × 1000 tiny images whose first pixel encodes the source index. */
    private static LabelledImages source() {
        final int n = 10 * PER_CLASS;
        final float[] pixels = new float[n * 4];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            pixels[i * 4] = i;
        }
        return new LabelledImages(pixels, labels, 2, 2, 10);
    }

    @Test
    void longTailCountsFollowTheExponentialProfile() {
        assertArrayEquals(new int[] {6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60},
                DataVariant.longTailCounts(6000, 10, 100));
    }

    @Test
    void longTailHasTheProfilesCountsPerClassAndIsReindexed() {
        final DataVariant.Variant v = DataVariant.LONG_TAIL.apply(source(), 7);
        final int[] expected = DataVariant.longTailCounts(PER_CLASS, 10, DataVariant.LONG_TAIL_RATIO);
        final int[] counts = new int[10];
        for (int i = 0; i < v.train().size(); i++) {
            counts[v.train().label(i)]++;
            assertEquals(v.sourceIndex()[i], (int) v.train().pixels()[i * 4], "sample " + i + " is its source image");
            assertEquals(v.sourceIndex()[i] % 10, v.train().label(i));
            assertTrue(i == 0 || v.sourceIndex()[i] > v.sourceIndex()[i - 1], "source order kept");
        }
        assertArrayEquals(expected, counts);
        assertEquals(10, counts[9], "the rarest class has 1/100 of the most frequent");
        assertEquals(0, v.flippedCount());
    }

    @Test
    void longTailIsSeeded() {
        assertArrayEquals(DataVariant.LONG_TAIL.apply(source(), 3).sourceIndex(),
                DataVariant.LONG_TAIL.apply(source(), 3).sourceIndex());
        assertTrue(!java.util.Arrays.equals(DataVariant.LONG_TAIL.apply(source(), 3).sourceIndex(),
                DataVariant.LONG_TAIL.apply(source(), 4).sourceIndex()));
    }

    @Test
    void labelNoiseFlipsAboutAFifthToOtherClassesUniformly() {
        final LabelledImages source = source();
        final DataVariant.Variant v = DataVariant.LABEL_NOISE.apply(source, 11);
        assertEquals(source.size(), v.train().size());
        assertArrayEquals(source.labels(), v.trueLabels(), "true labels kept");
        final double rate = (double) v.flippedCount() / source.size();
        // binomial(10000, 0.2): sd 0.004, so ±0.015 is beyond 3.5 sd
        assertEquals(DataVariant.NOISE_RATE, rate, 0.015);
        final int[] offsets = new int[10];
        for (int i = 0; i < source.size(); i++) {
            if (v.flipped(i)) {
                offsets[Math.floorMod(v.train().label(i) - v.trueLabels()[i], 10)]++;
            }
        }
        assertEquals(0, offsets[0], "a flipped label is never the true class");
        final double perOffset = v.flippedCount() / 9.0;
        for (int k = 1; k < 10; k++) {
            assertEquals(perOffset, offsets[k], 5 * Math.sqrt(perOffset), "offset " + k);
        }
        assertArrayEquals(v.train().labels(), DataVariant.LABEL_NOISE.apply(source, 11).train().labels(), "seeded");
    }

    @Test
    void stepProfileKeepsHalfTheClassesWholeAndCutsTheRestByTheRatio() {
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 100, 100, 100, 100, 100},
                DataVariant.longTailCounts(1000, 10, 10, DataVariant.Profile.STEP));
        assertArrayEquals(new int[] {1000, 1000, 10}, DataVariant.longTailCounts(1000, 3, 100, DataVariant.Profile.STEP));
        final DataVariant.Shape shape = new DataVariant.Shape(10, DataVariant.Profile.STEP, 0.2, DataVariant.NoiseKind.SYMMETRIC);
        final DataVariant.Variant v = DataVariant.LONG_TAIL.apply(source(), 7, shape);
        final int[] perClass = new int[10];
        for (int i = 0; i < v.train().size(); i++) {
            perClass[v.train().label(i)]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 100, 100, 100, 100, 100}, perClass);
        // the default shape is the exponential profile at ratio 100, as before
        assertArrayEquals(DataVariant.LONG_TAIL.apply(source(), 7).sourceIndex(),
                DataVariant.LONG_TAIL.apply(source(), 7, DataVariant.Shape.DEFAULT).sourceIndex());
    }

    @Test
    void classDependentNoiseSendsEachClassToItsNeighbourAtTheGivenRate() {
        final LabelledImages source = source();
        final DataVariant.Shape shape = new DataVariant.Shape(100, DataVariant.Profile.EXPONENTIAL, 0.35,
                DataVariant.NoiseKind.CLASS_DEPENDENT);
        final DataVariant.Variant v = DataVariant.LABEL_NOISE.apply(source, 5, shape);
        assertArrayEquals(source.labels(), v.trueLabels(), "true labels kept");
        // binomial(10000, 0.35): sd 0.0048
        assertEquals(0.35, (double) v.flippedCount() / source.size(), 0.017);
        for (int i = 0; i < source.size(); i++) {
            if (v.flipped(i)) {
                assertEquals((v.trueLabels()[i] + 1) % 10, v.train().label(i), "sample " + i);
            }
        }
        assertEquals(0, DataVariant.LABEL_NOISE.apply(source, 5, new DataVariant.Shape(100,
                DataVariant.Profile.EXPONENTIAL, 0, DataVariant.NoiseKind.SYMMETRIC)).flippedCount(), "rate 0");
    }

    @Test
    void shapesOutOfRangeAndUnknownNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DataVariant.Shape(0.5, DataVariant.Profile.STEP, 0.2,
                DataVariant.NoiseKind.SYMMETRIC));
        assertThrows(IllegalArgumentException.class, () -> new DataVariant.Shape(10, DataVariant.Profile.STEP, 1.0,
                DataVariant.NoiseKind.SYMMETRIC));
        assertThrows(IllegalArgumentException.class, () -> new DataVariant.Shape(Double.NaN, DataVariant.Profile.STEP,
                0.2, DataVariant.NoiseKind.SYMMETRIC));
        assertEquals(DataVariant.NoiseKind.CLASS_DEPENDENT,
                DataVariant.Shape.parse(DataVariant.NoiseKind.class, "Class-Dependent"));
        assertEquals("class-dependent", DataVariant.Shape.id(DataVariant.NoiseKind.CLASS_DEPENDENT));
        assertThrows(IllegalArgumentException.class, () -> DataVariant.Shape.parse(DataVariant.Profile.class, "linear"));
    }

    @Test
    void balancedIsTheSourceAndIdsParse() {
        final LabelledImages source = source();
        assertEquals(source, DataVariant.BALANCED.apply(source, 0).train());
        assertEquals(DataVariant.LONG_TAIL, DataVariant.parse("long-tail"));
        assertEquals("label-noise", DataVariant.LABEL_NOISE.id());
        assertThrows(IllegalArgumentException.class, () -> DataVariant.parse("imbalanced"));
    }
}
