package org.isgd.sampler.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.sampler.run.RunStorage;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.StoreKeys;

/** A run table's storage in the task's changelogged state stores, one store per area. */
final class StoreRunStorage implements RunStorage {
    private final KeyValueStore<String, byte[]> runs;
    private final KeyValueStore<String, byte[]> journal;
    private final KeyValueStore<String, byte[]> snapshots;

    StoreRunStorage(final KeyValueStore<String, byte[]> runs, final KeyValueStore<String, byte[]> journal,
                    final KeyValueStore<String, byte[]> snapshots) {
        this.runs = runs;
        this.journal = journal;
        this.snapshots = snapshots;
    }

    /** The storage in a run task's (or shard task's) stores runs, journal and snapshots. */
    static StoreRunStorage of(final ProcessorContext<?, ?> context) {
        return new StoreRunStorage(context.getStateStore(StoreKeys.RUNS),
                context.getStateStore(StoreKeys.JOURNAL),
                context.getStateStore(StoreKeys.SNAPSHOTS));
    }

    /** Every run's stored progress (not the markers of refused specs kept beside them). */
    List<RunProgress> storedRuns() {
        final List<RunProgress> stored = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = runs.all()) {
            all.forEachRemaining(kv -> {
                if (!kv.key.startsWith(StoreKeys.REFUSED_RUN_PREFIX)) {
                    stored.add(RunProgress.fromBytes(kv.value));
                }
            });
        }
        return stored;
    }

    /**
     * Whether the refused spec stored under {@code key} in the global store is reported for the
     * first time; remembers (in the changelogged runs store) that it now is.
     */
    boolean firstReport(final String key) {
        if (runs.get(key) != null) {
            return false;
        }
        runs.put(key, new byte[0]);
        return true;
    }

    private KeyValueStore<String, byte[]> store(final Area area) {
        return switch (area) {
            case RUNS -> runs;
            case JOURNAL -> journal;
            case SNAPSHOTS -> snapshots;
        };
    }

    @Override
    public byte[] get(final Area area, final String key) {
        return store(area).get(key);
    }

    @Override
    public void put(final Area area, final String key, final byte[] value) {
        store(area).put(key, value);
    }

    @Override
    public void delete(final Area area, final String key) {
        store(area).delete(key);
    }

    @Override
    public void range(final Area area, final String from, final String to, final BiPredicate<String, byte[]> each) {
        try (KeyValueIterator<String, byte[]> it = store(area).range(from, to)) {
            while (it.hasNext()) {
                final KeyValue<String, byte[]> entry = it.next();
                if (!each.test(entry.key, entry.value)) {
                    return;
                }
            }
        }
    }
}
