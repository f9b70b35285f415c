package org.isgd.sampler.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Samples of a dataset for one of its runs, from its dataset's task to the run's, in the order
 * they joined the dataset: positions {@code fromSeq, fromSeq + 1, ...} of the dataset's
 * population log (an internal message; one format byte leads it so it can evolve).
 */
record PopulationChunk(String runId, long fromSeq, long[] ids, int[] labels, long grewAt) {
    private static final byte FORMAT = 1;
    /** Samples per chunk at most: 48 KB on the wire. */
    static final int MAX_SAMPLES = 4096;

    byte[] encode() {
        final byte[] run = runId.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer out = ByteBuffer.allocate(1 + 4 + run.length + 8 + 8 + 4 + ids.length * 12);
        out.put(FORMAT).putInt(run.length).put(run).putLong(fromSeq).putLong(grewAt).putInt(ids.length);
        for (final long id : ids) {
            out.putLong(id);
        }
        for (final int label : labels) {
            out.putInt(label);
        }
        return out.array();
    }

    static PopulationChunk decode(final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != FORMAT) {
                throw new SerializationException("population chunk: unknown format " + bytes[0]);
            }
            final byte[] run = new byte[in.getInt()];
            in.get(run);
            final long fromSeq = in.getLong();
            final long grewAt = in.getLong();
            final int n = in.getInt();
            final long[] ids = new long[n];
            final int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.getLong();
            }
            for (int i = 0; i < n; i++) {
                labels[i] = in.getInt();
            }
            return new PopulationChunk(new String(run, StandardCharsets.UTF_8), fromSeq, ids, labels, grewAt);
        } catch (RuntimeException e) {
            throw e instanceof SerializationException s ? s
                    : new SerializationException("population chunk: truncated or corrupt", e);
        }
    }
}
