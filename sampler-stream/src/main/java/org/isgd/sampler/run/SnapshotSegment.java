package org.isgd.sampler.run;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.sampler.store.SampleState;

/**
 * A run's samples as of its last checkpoint, {@link #SLOTS} slots per segment (segment s holds
 * slots [s·SLOTS, (s+1)·SLOTS) in population order): id, label, state and journal pointer of each.
 * A checkpoint rewrites only the segments that changed since the one before; a restore reads
 * every segment and replays the journal from the checkpoint on.
 */
record SnapshotSegment(long[] ids, int[] labels, SampleState[] states, long[] lastApply) {
    static final int SLOTS = 4096;
    static final byte FORMAT = 1;
    private static final int BYTES_PER_SLOT = 8 + 4 + 3 * 4 + 3 * 4 + 4 * 8;

    static int bytes(final int slots) {
        return 1 + 4 + slots * BYTES_PER_SLOT;
    }

    int size() {
        return ids.length;
    }

    static SnapshotSegment fromBytes(final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != FORMAT) {
                throw new SerializationException("snapshot segment: unknown format " + bytes[0]);
            }
            final int n = in.getInt();
            if (bytes.length != bytes(n)) {
                throw new SerializationException("snapshot segment: " + bytes.length + " bytes for " + n + " slots");
            }
            final long[] ids = new long[n];
            final int[] labels = new int[n];
            final float[][] floats = new float[3][n];
            final int[][] ints = new int[3][n];
            final long[][] longs = new long[4][n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.getLong();
            }
            for (int i = 0; i < n; i++) {
                labels[i] = in.getInt();
            }
            for (final float[] column : floats) {
                for (int i = 0; i < n; i++) {
                    column[i] = in.getFloat();
                }
            }
            for (final int[] column : ints) {
                for (int i = 0; i < n; i++) {
                    column[i] = in.getInt();
                }
            }
            for (final long[] column : longs) {
                for (int i = 0; i < n; i++) {
                    column[i] = in.getLong();
                }
            }
            final SampleState[] states = new SampleState[n];
            for (int i = 0; i < n; i++) {
                if (longs[3][i] >= 0) {
                    states[i] = new SampleState(labels[i], floats[0][i], floats[1][i], floats[2][i], ints[0][i],
                            ints[1][i], longs[0][i], longs[1][i], longs[2][i], ints[2][i]);
                }
            }
            return new SnapshotSegment(ids, labels, states, longs[3]);
        } catch (java.nio.BufferUnderflowException e) {
            throw new SerializationException("snapshot segment: truncated", e);
        }
    }
}
