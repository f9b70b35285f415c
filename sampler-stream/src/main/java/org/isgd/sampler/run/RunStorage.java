package org.isgd.sampler.run;

import java.util.function.BiPredicate;

/**
 * Where a {@link RunTable} keeps its runs durably: three sorted key-value areas with string keys
 * ({@code StoreKeys.key(runId, n)}, so that one run's entries sort by n). In the sampler they are
 * changelogged RocksDB stores written inside the task's exactly-once transactions; in tests,
 * maps in memory.
 */
public interface RunStorage {
    /** The areas: each run's progress, its journal (indexed by apply count), its snapshot segments. */
    enum Area { RUNS, JOURNAL, SNAPSHOTS }

    byte[] get(Area area, String key);

    void put(Area area, String key, byte[] value);

    void delete(Area area, String key);

    /**
     * Visits the entries with keys in {@code [from, to]}, in key order, until {@code each}
     * returns false.
     */
    void range(Area area, String from, String to, BiPredicate<String, byte[]> each);
}
