package org.isgd.sampler.store;

/**
 * Store names and key layouts. Keys are "{owner}/{sampleId padded to 19 digits}" so that a
 * prefix scan of one dataset's population, or one run's importance, returns samples in id
 * order and the two can be merged in one pass.
 */
public final class StoreKeys {
    public static final String POPULATION = "population";
    public static final String IMPORTANCE = "importance";
    public static final String RUN_PROGRESS = "run-progress";
    public static final String RUNS_GLOBAL = "runs-global";

    private StoreKeys() {
    }

    public static String prefix(final String owner) {
        return owner + "/";
    }

    public static String key(final String owner, final long sampleId) {
        return owner + "/" + String.format("%019d", sampleId);
    }

    public static long sampleId(final String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
    }
}
