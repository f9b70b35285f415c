package org.isgd.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.isgd.trainer.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheSliceAsTrainAndTestSets() {
        final FashionMnist.Split split = FashionMnist.load(TestData.sliceDir());
        assertEquals(TestData.SLICE_TRAIN, split.train().size());
        assertEquals(TestData.SLICE_TEST, split.test().size());
        assertEquals(28, split.train().rows());
        assertEquals(28, split.train().cols());
        assertEquals(10, split.train().numClasses());
        for (final float v : split.train().pixels()) {
            assertTrue(v >= 0f && v <= 1f, "pixel " + v + " outside [0, 1]");
        }
        // The slice holds every class, and not only zeros.
        assertEquals(10, Arrays.stream(split.train().labels()).distinct().count());
        final float[] image = new float[784];
        split.train().copyImage(3, image, 0);
        assertTrue(Arrays.stream(boxed(image)).anyMatch(v -> v > 0.5f));
    }

    @Test
    void limitReadsTheFirstImages() {
        final FashionMnist.Split all = FashionMnist.load(TestData.sliceDir());
        final FashionMnist.Split few = FashionMnist.load(TestData.sliceDir(), 10, 5);
        assertEquals(10, few.train().size());
        assertEquals(5, few.test().size());
        assertArrayEquals(Arrays.copyOf(all.train().labels(), 10), few.train().labels());
        assertArrayEquals(Arrays.copyOf(all.train().pixels(), 10 * 784), few.train().pixels());
    }

    @Test
    void readsUncompressedFilesToo() throws IOException {
        final Path plain = tmp.resolve("labels");
        Files.write(plain, idx(IdxReader.LABELS_MAGIC, new int[] {3}, new byte[] {1, 2, 9}));
        assertArrayEquals(new int[] {1, 2, 9}, IdxReader.readLabels(plain, Integer.MAX_VALUE, 10));
    }

    @Test
    void rejectsALabelFileGivenAsImagesNamingTheFile() throws IOException {
        final Path wrong = tmp.resolve("train-images-idx3-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(wrong))) {
            out.write(idx(IdxReader.LABELS_MAGIC, new int[] {2}, new byte[] {0, 1}));
        }
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.readImages(wrong, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains(wrong.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("magic number is 0x00000801, expected 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        final Path truncated = tmp.resolve("t10k-images-idx3-ubyte");
        Files.write(truncated, idx(IdxReader.IMAGES_MAGIC, new int[] {2, 28, 28}, new byte[784 + 100]));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.readImages(truncated, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains(truncated + " is truncated"), e.getMessage());
    }

    @Test
    void rejectsLabelsOutsideTheClasses() throws IOException {
        final Path bad = tmp.resolve("labels");
        Files.write(bad, idx(IdxReader.LABELS_MAGIC, new int[] {2}, new byte[] {1, 12}));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.readLabels(bad, Integer.MAX_VALUE, 10));
        assertTrue(e.getMessage().contains("label 12 of sample 1"), e.getMessage());
    }

    @Test
    void missingFileIsNamedWithTheWayToGetIt() {
        final DatasetMissingException e = assertThrows(DatasetMissingException.class, () -> FashionMnist.load(tmp));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
    }

    private static byte[] idx(final int magic, final int[] dims, final byte[] body) {
        final ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        buffer.putInt(magic);
        for (final int d : dims) {
            buffer.putInt(d);
        }
        buffer.put(body);
        return buffer.array();
    }

    private static Float[] boxed(final float[] values) {
        final Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
