package org.isgd.sampler.topology;

import java.util.function.BiPredicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.sampler.run.RunStorage;

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
