package org.isgd.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.isgd.trainer.TestData;
import org.junit.jupiter.api.Test;

class AugmenterTest {
    private static final LabelledImages IMAGES = FashionMnist.load(TestData.sliceDir(), 32, 1).train();

    @Test
    void keepsShapeAndRange() {
        final float[] batch = augment(Augmenter.Mode.STANDARD, 7);
        assertEquals(IMAGES.pixels().length, batch.length);
        for (final float v : batch) {
            assertTrue(v >= 0f && v <= 1f);
        }
        assertFalse(Arrays.equals(IMAGES.pixels(), batch), "standard augmentation changed nothing");
    }

    @Test
    void isDeterministicPerSeed() {
        assertArrayEquals(augment(Augmenter.Mode.STANDARD, 7), augment(Augmenter.Mode.STANDARD, 7));
        assertFalse(Arrays.equals(augment(Augmenter.Mode.STANDARD, 7), augment(Augmenter.Mode.STANDARD, 8)));
    }

    @Test
    void noneLeavesImagesUnchanged() {
        assertArrayEquals(IMAGES.pixels(), augment(Augmenter.Mode.NONE, 7));
    }

    @Test
    void movesPixelsByAtMostThePadding() {
        // A single lit pixel lands within PAD of where it was, or of its mirror image.
        final float[] image = new float[28 * 28];
        final Augmenter augmenter = new Augmenter(Augmenter.Mode.STANDARD, 28, 28, 1);
        for (int trial = 0; trial < 200; trial++) {
            Arrays.fill(image, 0f);
            image[10 * 28 + 5] = 1f;
            augmenter.apply(image, 0);
            for (int i = 0; i < image.length; i++) {
                if (image[i] > 0) {
                    final int r = i / 28;
                    final int c = i % 28;
                    assertTrue(Math.abs(r - 10) <= Augmenter.PAD);
                    assertTrue(Math.abs(c - 5) <= Augmenter.PAD || Math.abs(c - 22) <= Augmenter.PAD, "column " + c);
                }
            }
        }
    }

    @Test
    void unknownModeIsRejectedWithTheChoices() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Augmenter.Mode.parse("cutmix"));
        assertTrue(e.getMessage().contains("'standard', 'none', 'mixup' or 'ricap'"), e.getMessage());
        assertEquals(Augmenter.Mode.STANDARD, Augmenter.Mode.parse("Standard"));
    }

    private static float[] augment(final Augmenter.Mode mode, final long seed) {
        final float[] batch = IMAGES.pixels().clone();
        final Augmenter augmenter = new Augmenter(mode, 28, 28, seed);
        for (int i = 0; i < IMAGES.size(); i++) {
            augmenter.apply(batch, i * IMAGES.imageSize());
        }
        return batch;
    }
}
