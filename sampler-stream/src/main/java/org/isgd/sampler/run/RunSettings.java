package org.isgd.sampler.run;

import java.time.Duration;

/**
 * How a {@link RunTable} keeps its runs.
 *
 * @param settle how long a new run without a minPopulation waits for its dataset's registrations
 *     to pause before its first batch (it never waits more than 30 times this in all)
 * @param checkpointInterval a run rewrites each snapshot segment that changed within about this
 *     long, a few segments at a time, so a restore replays about this much of its journal; longer
 *     writes less (a segment of 4 096 samples is 278 KB), shorter restores faster
 * @param historyRetention journal entries (a sample's past states) older than this are deleted once
 *     a checkpoint covers them; {@link Duration#ZERO} or negative keeps them forever
 */
public record RunSettings(Duration settle, Duration checkpointInterval, Duration historyRetention) {
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(7);

    public static RunSettings defaults() {
        return new RunSettings(DEFAULT_SETTLE, DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_HISTORY_RETENTION);
    }

    public RunSettings withSettle(final Duration value) {
        return new RunSettings(value, checkpointInterval, historyRetention);
    }

    public RunSettings withHistoryRetention(final Duration value) {
        return new RunSettings(settle, checkpointInterval, value);
    }

    public RunSettings withCheckpointInterval(final Duration interval) {
        return new RunSettings(settle, interval, historyRetention);
    }

    /** A run never waits for registrations to pause longer than this many settle times in all. */
    public static final int MAX_SETTLE_FACTOR = 30;

    /** Whether a run first seen at {@code seen}, whose population last grew at {@code grew}, still waits. */
    public static boolean settling(final long now, final long seen, final long grew, final long settleMs) {
        return now - grew < settleMs && now - seen < settleMs * MAX_SETTLE_FACTOR;
    }

    boolean keepsHistoryForever() {
        return historyRetention.isZero() || historyRetention.isNegative();
    }
}
