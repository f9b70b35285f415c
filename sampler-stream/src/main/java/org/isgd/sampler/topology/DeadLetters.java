package org.isgd.sampler.topology;

import java.nio.ByteBuffer;
import org.isgd.schemas.DeadLetter;

/** Builds the dead letter for a record that could not be processed. */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static DeadLetter of(final String topic, final int partition, final long offset, final byte[] key,
                                final byte[] value, final String reason, final long now) {
        return new DeadLetter(topic, partition, offset, key == null ? null : ByteBuffer.wrap(key),
                value == null ? null : ByteBuffer.wrap(value), reason, now);
    }

    /**
     * The dead letter for a run spec the sampler refuses after reading it into its global store,
     * keyed and valued as on isgd.runs, at the partition and offset it was read from.
     */
    public static DeadLetter ofRunSpec(final org.isgd.schemas.RunSpec spec, final int partition, final long offset,
                                       final String reason, final long now) {
        return of(org.isgd.contract.Topics.RUNS.name(), partition, offset,
                spec.getRunId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                org.isgd.contract.Topics.RUNS.valueSerde().serializer().serialize(null, spec), reason, now);
    }

    /** The reason's first word, e.g. "unknown-runId" from "unknown-runId: run r7 ...": the metric label. */
    public static String kind(final String reason) {
        final int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }
}
