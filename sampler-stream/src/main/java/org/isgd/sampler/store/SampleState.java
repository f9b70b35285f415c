package org.isgd.sampler.store;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.schemas.SamplePrediction;

/**
 * What the sampler knows of one sample in one run: the latest prediction and how often the
 * sample has been trained. Kept in the changelogged importance store; the in-memory sum tree
 * is rebuilt from it.
 */
public record SampleState(int label, float pCorrect, float loss, float gradNormBound, int predicted,
                          int visits, long lastStep, long lastBatchSeq, long updatedAt) {

    private static final byte FORMAT = 1;
    private static final int BYTES = 1 + 4 * 4 + 4 + 8 * 3 + 4;

    /** The state after {@code prediction}, given the state before it (null for a first visit). */
    public static SampleState after(final SampleState before, final SamplePrediction prediction) {
        return new SampleState(prediction.getLabel(), prediction.getPCorrect(), prediction.getLoss(),
                prediction.getGradNormBound(), prediction.getPredicted(),
                before == null ? 1 : before.visits + 1, prediction.getStep(), prediction.getBatchSeq(),
                prediction.getTimestamp());
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).put(FORMAT).putInt(label).putFloat(pCorrect).putFloat(loss)
                .putFloat(gradNormBound).putInt(predicted).putInt(visits).putLong(lastStep)
                .putLong(lastBatchSeq).putLong(updatedAt).array();
    }

    public static SampleState fromBytes(final byte[] bytes) {
        if (bytes.length != BYTES || bytes[0] != FORMAT) {
            throw new SerializationException("sample state: expected format " + FORMAT + " with " + BYTES
                    + " bytes, got " + bytes.length + " bytes");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes, 1, BYTES - 1);
        return new SampleState(in.getInt(), in.getFloat(), in.getFloat(), in.getFloat(), in.getInt(),
                in.getInt(), in.getLong(), in.getLong(), in.getLong());
    }
}
