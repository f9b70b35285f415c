package org.isgd.sampler.store;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What the sampler knows of one sample in one run: the latest prediction and how often the
 * sample has been trained. Kept in the changelogged importance store (and, one entry per
 * prediction, in the history store); the in-memory sum trees are rebuilt from it.
 *
 * @param lastPosition the sample's index in batch {@code lastBatchSeq}, -1 if the trainer did not say
 */
public record SampleState(int label, float pCorrect, float loss, float gradNormBound, int predicted,
                          int visits, long lastStep, long lastBatchSeq, long updatedAt, int lastPosition) {

    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT = 2;
    private static final int BYTES_1 = 1 + 4 * 4 + 4 + 8 * 3 + 4;
    private static final int BYTES = BYTES_1 + 4;

    public SampleState(final int label, final float pCorrect, final float loss, final float gradNormBound,
                       final int predicted, final int visits, final long lastStep, final long lastBatchSeq,
                       final long updatedAt) {
        this(label, pCorrect, loss, gradNormBound, predicted, visits, lastStep, lastBatchSeq, updatedAt, -1);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).put(FORMAT).putInt(label).putFloat(pCorrect).putFloat(loss)
                .putFloat(gradNormBound).putInt(predicted).putInt(visits).putLong(lastStep)
                .putLong(lastBatchSeq).putLong(updatedAt).putInt(lastPosition).array();
    }

    public static SampleState fromBytes(final byte[] bytes) {
        final boolean v1 = bytes.length == BYTES_1 && bytes[0] == FORMAT_1;
        if (!v1 && (bytes.length != BYTES || bytes[0] != FORMAT)) {
            throw new SerializationException("sample state: expected format " + FORMAT + " with " + BYTES
                    + " bytes, got " + bytes.length + " bytes");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        return new SampleState(in.getInt(), in.getFloat(), in.getFloat(), in.getFloat(), in.getInt(),
                in.getInt(), in.getLong(), in.getLong(), in.getLong(), v1 ? -1 : in.getInt());
    }
}
