package org.isgd.sampler.topology;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.AvroSerde;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.RunSpec;

/**
 * Reads the global runs store, which keeps the raw bytes of every accepted RunSpec (and, under
 * {@link StoreKeys#REFUSED_RUN_PREFIX}, a dead letter for every refused one; under
 * {@link StoreKeys#RUN_POSITION_PREFIX}, where each accepted one was read). Decoded specs are
 * cached per run while their bytes stay the same, so a lookup per prediction costs a compare.
 */
final class RunSpecLookup {
    private static final AvroSerde<RunSpec> SPECS = AvroSerde.of(RunSpec.class);
    private static final AvroSerde<DeadLetter> LETTERS = AvroSerde.of(DeadLetter.class);

    private final KeyValueStore<String, byte[]> store;
    private final Map<String, Cached> cache = new HashMap<>();

    private record Cached(byte[] bytes, RunSpec spec) {
    }

    RunSpecLookup(final KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /** Where a spec was read: partition and offset on isgd.runs (unknown: -1, -1). */
    record Position(int partition, long offset) {
        static final Position UNKNOWN = new Position(-1, -1L);
    }

    /** A position as the global store keeps it. */
    static byte[] position(final int partition, final long offset) {
        return java.nio.ByteBuffer.allocate(12).putInt(partition).putLong(offset).array();
    }

    /** Where the run's current spec was read from isgd.runs. */
    Position positionOf(final String runId) {
        final byte[] bytes = store.get(StoreKeys.RUN_POSITION_PREFIX + runId);
        if (bytes == null || bytes.length != 12) {
            return Position.UNKNOWN; // a store written before positions were kept
        }
        final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
        return new Position(buffer.getInt(), buffer.getLong());
    }

    /** The dead letter for {@code spec}, refused for {@code reason}, naming where it was read. */
    DeadLetter refusal(final RunSpec spec, final String reason, final long now) {
        final Position at = positionOf(spec.getRunId());
        return DeadLetters.ofRunSpec(spec, at.partition(), at.offset(), reason, now);
    }

    /** Hands {@code create} the run's spec when {@code has} says the task has no such run yet and isgd.runs has it. */
    void createIfMissing(final String runId, final java.util.function.Predicate<String> has,
                         final java.util.function.Consumer<RunSpec> create) {
        if (!has.test(runId)) {
            final RunSpec spec = get(runId);
            if (spec != null) {
                create.accept(spec);
            }
        }
    }

    /** The run's spec, or null when there is no such run. */
    RunSpec get(final String runId) {
        return decode(runId, store.get(runId));
    }

    /** Every accepted spec, and every refused spec's dead letter with its store key. */
    void forEach(final BiConsumer<String, RunSpec> runs, final BiConsumer<String, DeadLetter> refused) {
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                final KeyValue<String, byte[]> entry = all.next();
                if (entry.key.startsWith(StoreKeys.REFUSED_RUN_PREFIX)) {
                    refused.accept(entry.key, LETTERS.decode(entry.value));
                } else if (StoreKeys.isRunSpecKey(entry.key)) {
                    runs.accept(entry.key, decode(entry.key, entry.value));
                }
            }
        }
    }

    private RunSpec decode(final String runId, final byte[] bytes) {
        if (bytes == null) {
            cache.remove(runId);
            return null;
        }
        final Cached cached = cache.get(runId);
        if (cached != null && Arrays.equals(cached.bytes, bytes)) {
            return cached.spec;
        }
        final RunSpec spec = SPECS.decode(bytes);
        cache.put(runId, new Cached(bytes, spec));
        return spec;
    }
}
