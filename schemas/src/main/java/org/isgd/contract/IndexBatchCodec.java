package org.isgd.contract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.schemas.IndexBatch;

/**
 * {@code IndexBatch} records straight from and to primitive arrays, byte for byte what
 * {@link AvroSerde} writes and reads (single-object encoding of the current schema), without a
 * boxed value per sample: the sampler emits millions of indices a second and a trainer decodes
 * every batch. A record written with another schema version is decoded by {@link AvroSerde}.
 */
public final class IndexBatchCodec {
    private static final byte[] HEADER = header();
    private static final AvroSerde<IndexBatch> SERDE = AvroSerde.of(IndexBatch.class);

    private IndexBatchCodec() {
    }

    /** A batch as arrays. */
    public record Batch(String runId, long batchSeq, int rank, long[] sampleIds, float[] weights, double[] probabilities,
                        String policy, String phase, long createdAt) {
        public int size() {
            return sampleIds.length;
        }

        public IndexBatch toRecord() {
            final java.util.List<Long> ids = new java.util.ArrayList<>(sampleIds.length);
            final java.util.List<Float> w = new java.util.ArrayList<>(weights.length);
            final java.util.List<Double> q = new java.util.ArrayList<>(probabilities.length);
            for (final long id : sampleIds) {
                ids.add(id);
            }
            for (final float x : weights) {
                w.add(x);
            }
            for (final double x : probabilities) {
                q.add(x);
            }
            return new IndexBatch(runId, batchSeq, rank, ids, w, q, policy, phase, createdAt);
        }

        public static Batch of(final IndexBatch record) {
            final long[] ids = new long[record.getSampleIds().size()];
            final float[] w = new float[record.getWeights().size()];
            final double[] q = new double[record.getProbabilities().size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = record.getSampleIds().get(i);
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = record.getWeights().get(i);
            }
            for (int i = 0; i < q.length; i++) {
                q[i] = record.getProbabilities().get(i);
            }
            return new Batch(record.getRunId(), record.getBatchSeq(), record.getRank(), ids, w, q, record.getPolicy(),
                    record.getPhase(), record.getCreatedAt());
        }
    }

    private static byte[] header() {
        final ByteBuffer header = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        header.put((byte) 0xC3).put((byte) 0x01)
                .putLong(SchemaNormalization.parsingFingerprint64(IndexBatch.getClassSchema()));
        return header.array();
    }

    public static byte[] encode(final Batch b) {
        final byte[] run = b.runId().getBytes(StandardCharsets.UTF_8);
        final byte[] policy = b.policy().getBytes(StandardCharsets.UTF_8);
        final byte[] phase = b.phase().getBytes(StandardCharsets.UTF_8);
        final int n = b.size();
        final ByteBuffer out = ByteBuffer.allocate(HEADER.length + 3 * 10 + run.length + policy.length + phase.length
                + 3 * 10 + 10 + 5 + n * (10 + 4 + 8) + 3 * 10 + 3).order(ByteOrder.LITTLE_ENDIAN);
        out.put(HEADER);
        bytes(out, run);
        varLong(out, b.batchSeq());
        varLong(out, b.rank());
        if (n > 0) {
            varLong(out, n);
            for (final long id : b.sampleIds()) {
                varLong(out, id);
            }
        }
        out.put((byte) 0);
        if (n > 0) {
            varLong(out, n);
            for (final float w : b.weights()) {
                out.putFloat(w);
            }
        }
        out.put((byte) 0);
        if (n > 0) {
            varLong(out, n);
            for (final double q : b.probabilities()) {
                out.putDouble(q);
            }
        }
        out.put((byte) 0);
        bytes(out, policy);
        bytes(out, phase);
        varLong(out, b.createdAt());
        final byte[] encoded = new byte[out.position()];
        System.arraycopy(out.array(), 0, encoded, 0, encoded.length);
        return encoded;
    }

    /**
     * Decodes a single-object-encoded IndexBatch of any schema version this reader knows.
     *
     * @throws SerializationException with what was wrong, as {@link AvroSerde#decode} does
     */
    public static Batch decode(final byte[] bytes) {
        if (bytes == null || bytes.length < HEADER.length || !java.util.Arrays.equals(bytes, 0, HEADER.length, HEADER, 0,
                HEADER.length)) {
            return Batch.of(SERDE.decode(bytes)); // another version, or not an IndexBatch: Avro says what it is
        }
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes, HEADER.length, bytes.length - HEADER.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            final String runId = string(in);
            final long batchSeq = varLong(in);
            final int rank = Math.toIntExact(varLong(in));
            final long[] ids = longs(in);
            final float[] weights = floats(in);
            final double[] probabilities = doubles(in);
            final String policy = string(in);
            final String phase = string(in);
            final long createdAt = varLong(in);
            if (in.hasRemaining()) {
                throw new SerializationException("IndexBatch: " + in.remaining() + " bytes after the last field");
            }
            return new Batch(runId, batchSeq, rank, ids, weights, probabilities, policy, phase, createdAt);
        } catch (RuntimeException e) {
            throw e instanceof SerializationException s ? s
                    : new SerializationException("malformed or truncated IndexBatch: " + e, e);
        }
    }

    private static void bytes(final ByteBuffer out, final byte[] value) {
        varLong(out, value.length);
        out.put(value);
    }

    /** Avro's long: zig-zag, then 7 bits a byte, low first. */
    private static void varLong(final ByteBuffer out, final long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.put((byte) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.put((byte) n);
    }

    private static long varLong(final ByteBuffer in) {
        long n = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            final byte b = in.get();
            n |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw new SerializationException("IndexBatch: a varint longer than 10 bytes");
    }

    private static String string(final ByteBuffer in) {
        final int length = Math.toIntExact(varLong(in));
        if (length < 0 || length > in.remaining()) {
            throw new SerializationException("IndexBatch: a string of " + length + " bytes, " + in.remaining() + " left");
        }
        final String value = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }

    /** The item count of the array block starting here (0 ends the array); a negative count is followed by a byte size. */
    private static int block(final ByteBuffer in) {
        long count = varLong(in);
        if (count < 0) {
            count = -count;
            varLong(in);
        }
        if (count > in.remaining()) {
            throw new SerializationException("IndexBatch: an array block of " + count + " items, " + in.remaining()
                    + " bytes left");
        }
        return (int) count;
    }

    private static long[] longs(final ByteBuffer in) {
        long[] out = new long[0];
        for (int count = block(in); count > 0; count = block(in)) {
            final int at = out.length;
            out = java.util.Arrays.copyOf(out, at + count);
            for (int i = 0; i < count; i++) {
                out[at + i] = varLong(in);
            }
        }
        return out;
    }

    private static float[] floats(final ByteBuffer in) {
        float[] out = new float[0];
        for (int count = block(in); count > 0; count = block(in)) {
            final int at = out.length;
            out = java.util.Arrays.copyOf(out, at + count);
            for (int i = 0; i < count; i++) {
                out[at + i] = in.getFloat();
            }
        }
        return out;
    }

    private static double[] doubles(final ByteBuffer in) {
        double[] out = new double[0];
        for (int count = block(in); count > 0; count = block(in)) {
            final int at = out.length;
            out = java.util.Arrays.copyOf(out, at + count);
            for (int i = 0; i < count; i++) {
                out[at + i] = in.getDouble();
            }
        }
        return out;
    }
}
