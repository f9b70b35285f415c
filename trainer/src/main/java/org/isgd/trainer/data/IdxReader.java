package org.isgd.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format: big-endian magic {@code 0x000008NN} with NN the number of
 * dimensions, the dimension sizes, then unsigned bytes), gzip-compressed or not. Every header
 * field is checked so a wrong, truncated or swapped file fails with its name and what to do,
 * instead of training on garbage.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final int MAX_SIDE = 4096;

    private IdxReader() {
    }

    /** Images as read: {@code count} rows of {@code rows × cols} pixels scaled to [0, 1]. */
    public record Images(int count, int rows, int cols, float[] pixels) {
    }

    /**
     * Reads at most {@code limit} images from an {@code idx3-ubyte} file.
     *
     * @param limit the most images to read; {@code Integer.MAX_VALUE} for all
     */
    public static Images readImages(final Path file, final int limit) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), IMAGES_MAGIC, "an idx3-ubyte image file");
            final int stored = checkCount(file, in.readInt());
            final int rows = checkSide(file, in.readInt(), "rows");
            final int cols = checkSide(file, in.readInt(), "columns");
            final int count = Math.min(stored, Math.max(0, limit));
            final int imageSize = rows * cols;
            final byte[] raw = new byte[Math.multiplyExact(count, imageSize)];
            readFully(file, in, raw, stored + " images of " + rows + "x" + cols);
            final float[] pixels = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                pixels[i] = (raw[i] & 0xFF) / 255f;
            }
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Reads at most {@code limit} labels from an {@code idx1-ubyte} file, each checked to lie in
     * {@code [0, numClasses)}.
     */
    public static int[] readLabels(final Path file, final int limit, final int numClasses) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), LABELS_MAGIC, "an idx1-ubyte label file");
            final int stored = checkCount(file, in.readInt());
            final byte[] raw = new byte[Math.min(stored, Math.max(0, limit))];
            readFully(file, in, raw, stored + " labels");
            final int[] labels = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= numClasses) {
                    throw new IllegalArgumentException(file + ": label " + labels[i] + " of sample " + i
                            + " is outside [0, " + numClasses + "); the file is not Fashion-MNIST labels or is corrupt");
                }
            }
            return labels;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static DataInputStream open(final Path file) throws IOException {
        final BufferedInputStream buffered = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        // Detect gzip by its magic bytes, not the file name: either form may carry either name.
        buffered.mark(2);
        final boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
        buffered.reset();
        final InputStream body = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        return new DataInputStream(body);
    }

    private static void checkMagic(final Path file, final int magic, final int expected, final String what) {
        if (magic != expected) {
            throw new IllegalArgumentException(file + " is not " + what + ": IDX magic number is 0x"
                    + String.format("%08x", magic) + ", expected 0x" + String.format("%08x", expected)
                    + "; check the file name and re-download or reinstall the data (apt-get install -y dataset-fashion-mnist)");
        }
    }

    private static int checkCount(final Path file, final int count) {
        if (count < 0) {
            throw new IllegalArgumentException(file + ": negative item count " + count + " in the IDX header; the file is corrupt");
        }
        return count;
    }

    private static int checkSide(final Path file, final int side, final String name) {
        if (side <= 0 || side > MAX_SIDE) {
            throw new IllegalArgumentException(file + ": implausible number of " + name + " " + side
                    + " in the IDX header; the file is corrupt");
        }
        return side;
    }

    private static void readFully(final Path file, final DataInputStream in, final byte[] into, final String declared)
            throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " is truncated: its header declares " + declared
                    + " but the data ends early; re-download or reinstall the data", e);
        }
    }

    private static IllegalArgumentException unreadable(final Path file, final IOException e) {
        if (e instanceof EOFException) {
            return new IllegalArgumentException(file + " is truncated (ends inside the IDX header); re-download or reinstall the data", e);
        }
        return new IllegalArgumentException("cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
}
