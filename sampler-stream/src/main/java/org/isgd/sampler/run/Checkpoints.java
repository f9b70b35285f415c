package org.isgd.sampler.run;

import java.nio.ByteBuffer;
import java.util.BitSet;
import org.isgd.sampler.store.StoreKeys;

/**
 * Which of a run's snapshot segments changed, and up to where in the journal each stored segment
 * is: its <em>mark</em>, the first journal entry it does not reflect. Changed segments are written
 * again a few at a time — never all at once, which at 10M samples would write 680 MB in one go and
 * stall the run for seconds — paced by the slower of two budgets: every changed segment within the
 * checkpoint interval, and {@link #SNAPSHOT_PER_JOURNAL} bytes of segments per byte the journal
 * grew. The second keeps a slowly trained large run from rewriting its whole snapshot every
 * interval (at 10M samples and a trainer's 5,000 predictions a second that was 11 MB/s of
 * segments for 0.2 MB/s of journal, and the rewrites' store and changelog traffic stalled the
 * run); a restore then replays at most about 1/{@value #SNAPSHOT_PER_JOURNAL} of a snapshot's
 * bytes of journal, or one checkpoint interval of it when the run is trained fast.
 * A restore loads the stored segments and replays the journal from the smallest mark, each row
 * only onto a segment whose mark it is not below; a segment no entry touched since it was written
 * has its mark moved up without being written.
 *
 * <p>Segments are stored in slot order: one is written only when the one before is stored full,
 * so that the stored slots are always 0..k and a restore rebuilds the same slot numbers.
 */
final class Checkpoints {
    static final int SHIFT = Integer.numberOfTrailingZeros(SnapshotSegment.SLOTS);
    private static final String MARKS = "marks";
    /** Snapshot bytes a run may write per byte appended to its journal. */
    static final int SNAPSHOT_PER_JOURNAL = 2;

    private final String runId;
    private final RunStorage storage;
    private final long intervalMs;
    private long[] marks = new long[16];
    private int[] stored = new int[16];
    private final BitSet dirty = new BitSet();
    private int segments;
    private double credit;
    private long lastTick = -1;
    /** Bytes appended to the journal since the last {@link #write}. */
    private long journaled;
    private int cursor;

    /** What the segments are written from: the run's slots. */
    interface Source {
        int size();

        /** Slots [from, to) as a segment. */
        byte[] segment(int from, int to);
    }

    Checkpoints(final String runId, final RunStorage storage, final long intervalMs) {
        this.runId = runId;
        this.storage = storage;
        this.intervalMs = Math.max(1, intervalMs);
    }

    /** Reads the stored marks (none for a new run). */
    void load() {
        final byte[] bytes = storage.get(RunStorage.Area.SNAPSHOTS, marksKey());
        if (bytes == null) {
            return;
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        segments = in.getInt();
        ensure(segments);
        for (int s = 0; s < segments; s++) {
            marks[s] = in.getLong();
            stored[s] = in.getInt();
        }
    }

    private String marksKey() {
        return StoreKeys.prefix(runId) + MARKS;
    }

    private void ensure(final int count) {
        if (count > marks.length) {
            final int capacity = Math.max(count, marks.length * 2);
            marks = java.util.Arrays.copyOf(marks, capacity);
            stored = java.util.Arrays.copyOf(stored, capacity);
        }
    }

    /** Slots of the stored segment {@code s} (0: never stored). */
    int stored(final int segment) {
        return segment < segments ? stored[segment] : 0;
    }

    /** Whether journal entry {@code entry} is to be replayed onto {@code slot}: the slot's stored segment lacks it. */
    boolean replays(final int slot, final long entry) {
        final int s = slot >>> SHIFT;
        return s >= segments || entry >= marks[s];
    }

    /** Where a restore replays the journal from: the smallest mark; the start when no segment is known yet. */
    long replayFrom(final long next) {
        if (segments == 0) {
            return 0;
        }
        long from = next;
        for (int s = 0; s < segments; s++) {
            from = Math.min(from, marks[s]);
        }
        return from;
    }

    /** The run appended {@code bytes} to its journal: what the segments may be rewritten for. */
    void journaled(final long bytes) {
        journaled += bytes;
    }

    /** A slot changed, by journal entry {@code entry}; a slot beyond the segments known starts a segment there. */
    void touched(final int slot, final long entry) {
        final int s = slot >>> SHIFT;
        if (s >= segments) {
            ensure(s + 1);
            for (int t = segments; t <= s; t++) {
                marks[t] = entry; // never stored: a restore replays it from the entry that created it
                stored[t] = 0;
            }
            segments = s + 1;
        }
        dirty.set(s);
    }

    /**
     * Writes the changed segments that are due, a few per call, in proportion to the time since
     * the last call; returns how many. {@code all} writes every changed segment now.
     *
     * @param next the journal's next entry: what the written segments reflect up to
     */
    int write(final long now, final long next, final Source source, final boolean all) {
        final long elapsed = lastTick < 0 ? 0 : Math.max(0, now - lastTick);
        lastTick = now;
        final double byTime = (double) segments * elapsed / intervalMs;
        final double byBytes = (double) SNAPSHOT_PER_JOURNAL * journaled / SnapshotSegment.bytes(SnapshotSegment.SLOTS);
        journaled = 0;
        credit = Math.min(segments, credit + Math.min(byTime, byBytes));
        if (dirty.isEmpty()) {
            credit = 0;
        }
        int written = 0;
        while (!dirty.isEmpty() && (all || credit >= 1)) {
            final int s = nextWritable();
            if (s < 0) {
                break;
            }
            final int from = s << SHIFT;
            final int to = Math.min(source.size(), from + SnapshotSegment.SLOTS);
            storage.put(RunStorage.Area.SNAPSHOTS, StoreKeys.key(runId, s), source.segment(from, to));
            stored[s] = to - from;
            marks[s] = next;
            dirty.clear(s);
            credit--;
            written++;
        }
        for (int s = 0; s < segments; s++) {
            if (!dirty.get(s) && stored[s] > 0) {
                marks[s] = next; // untouched since it was written: it reflects everything so far
            }
        }
        if (written > 0) {
            saveMarks(); // with the segments, in the same transaction: a restore must not replay onto them twice
        }
        return written;
    }

    /** The next changed segment that may be written (its predecessor stored full), round robin; -1 if none. */
    private int nextWritable() {
        for (int pass = 0; pass < 2; pass++) {
            for (int s = dirty.nextSetBit(cursor); s >= 0; s = dirty.nextSetBit(s + 1)) {
                if (s == 0 || stored[s - 1] == SnapshotSegment.SLOTS) {
                    cursor = s + 1;
                    return s;
                }
            }
            cursor = 0;
        }
        return -1;
    }

    /** Saves the marks now (the clean segments' marks moved up), so that a restore replays less. */
    void saveMarks() {
        final ByteBuffer out = ByteBuffer.allocate(4 + segments * 12);
        out.putInt(segments);
        for (int s = 0; s < segments; s++) {
            out.putLong(marks[s]).putInt(stored[s]);
        }
        storage.put(RunStorage.Area.SNAPSHOTS, marksKey(), out.array());
    }
}
