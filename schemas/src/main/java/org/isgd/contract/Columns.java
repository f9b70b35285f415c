package org.isgd.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The packed columns of a {@code PredictionBatch}: each one a {@code bytes} field holding
 * {@code count} fixed-width little-endian values (int64, int32, float32 or uint8), so that a
 * Java reader copies a column with one bulk get and a Python one with {@code numpy.frombuffer}.
 * Decoding checks that a column holds exactly {@code count} values and says which one did not.
 */
public final class Columns {
    private Columns() {
    }

    public static ByteBuffer ofLongs(final long[] values) {
        final ByteBuffer out = allocate(values.length * Long.BYTES);
        out.asLongBuffer().put(values);
        return out;
    }

    public static ByteBuffer ofInts(final int[] values) {
        final ByteBuffer out = allocate(values.length * Integer.BYTES);
        out.asIntBuffer().put(values);
        return out;
    }

    public static ByteBuffer ofFloats(final float[] values) {
        final ByteBuffer out = allocate(values.length * Float.BYTES);
        out.asFloatBuffer().put(values);
        return out;
    }

    /** uint8 flags: 1 for true, 0 for false. */
    public static ByteBuffer ofFlags(final boolean[] values) {
        final ByteBuffer out = allocate(values.length);
        for (final boolean value : values) {
            out.put((byte) (value ? 1 : 0));
        }
        return out.flip();
    }

    public static long[] longs(final String name, final ByteBuffer column, final int count) {
        final long[] out = new long[count];
        check(name, column, count, Long.BYTES).asLongBuffer().get(out);
        return out;
    }

    public static int[] ints(final String name, final ByteBuffer column, final int count) {
        final int[] out = new int[count];
        check(name, column, count, Integer.BYTES).asIntBuffer().get(out);
        return out;
    }

    public static float[] floats(final String name, final ByteBuffer column, final int count) {
        final float[] out = new float[count];
        check(name, column, count, Float.BYTES).asFloatBuffer().get(out);
        return out;
    }

    /** uint8 flags; any value other than 0 or 1 is refused. */
    public static boolean[] flags(final String name, final ByteBuffer column, final int count) {
        final ByteBuffer in = check(name, column, count, 1);
        final boolean[] out = new boolean[count];
        for (int i = 0; i < count; i++) {
            final byte b = in.get(i);
            if (b != 0 && b != 1) {
                throw new SerializationException("column " + name + " row " + i + " is " + (b & 0xFF)
                        + ", only 0 or 1 allowed");
            }
            out[i] = b == 1;
        }
        return out;
    }

    /** Whether an optional column was left empty (its default). */
    public static boolean absent(final ByteBuffer column) {
        return column == null || !column.hasRemaining();
    }

    private static ByteBuffer check(final String name, final ByteBuffer column, final int count, final int width) {
        final int bytes = column == null ? 0 : column.remaining();
        if (count < 0 || bytes != (long) count * width) {
            throw new SerializationException("column " + name + " has " + bytes + " bytes, expected " + count + " x "
                    + width + " (count " + count + ")");
        }
        return column.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer allocate(final int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
