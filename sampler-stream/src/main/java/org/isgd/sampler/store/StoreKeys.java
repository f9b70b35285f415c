package org.isgd.sampler.store;

/**
 * Store names and key layouts. Keys are "{owner}/{sampleId padded to 19 digits}" so that a
 * prefix scan of one dataset's population, or one run's importance, returns samples in id
 * order and the two can be merged in one pass.
 */
public final class StoreKeys {
    public static final String POPULATION = "population";
    /** A dataset's population in the order samples joined: "{dataset}/{seq}" → sampleId and label. */
    public static final String POPULATION_LOG = "population-log";
    /** Each run's position in its dataset's population log ("{runId}" → position, dataset). */
    public static final String POPULATION_CURSORS = "population-cursors";
    /** Each run's progress: flow control, journal position (run tasks; in a sharded sampler, each shard's). */
    public static final String RUNS = "runs";
    /** Each run's journal: "{runId}/{index}" → what was applied, in order. */
    public static final String JOURNAL = "journal";
    /** Each run's samples as of its last checkpoint: "{runId}/{segment}". */
    public static final String SNAPSHOTS = "snapshots";
    /** Sharded mode: each coordinated run's flow control, shard summaries and grant counter. */
    public static final String COORDINATOR_RUNS = "coordinator-runs";
    public static final String RUNS_GLOBAL = "runs-global";
    /** Keys of refused run specs in the global store; no run id starts with a control character. */
    public static final String REFUSED_RUN_PREFIX = "\u0000refused/";
    /**
     * Keys of the isgd.runs position (partition and offset) of each accepted spec in the global
     * store, so that a spec refused later still names where it was; beside the spec, under its runId.
     */
    public static final String RUN_POSITION_PREFIX = "\u0000position/";

    /** Whether a key of the global runs store is a run's spec (the others start with a control character). */
    public static boolean isRunSpecKey(final String key) {
        return !key.isEmpty() && key.charAt(0) != '\u0000';
    }

    private StoreKeys() {
    }

    public static String prefix(final String owner) {
        return owner + "/";
    }

    public static String key(final String owner, final long sampleId) {
        return owner + "/" + padded(sampleId, 19);
    }

    /** Zero-padded decimal; String.format was a tenth of the sampler thread's time (JFR, bench feed). */
    static String padded(final long value, final int width) {
        final String digits = Long.toString(Math.max(0, value));
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    /** The owner part of a {@link #key} (a run id or dataset, which never holds a '/'). */
    public static String owner(final String key) {
        return key.substring(0, key.lastIndexOf('/'));
    }

    public static long sampleId(final String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
    }
}
