package org.isgd.sampler.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Snapshot segments rewritten at the slower of two paces: the checkpoint interval, and bytes per journal byte. */
class CheckpointsTest {
    private static final int SEGMENTS = 20;
    private static final long INTERVAL_MS = 1_000;
    private static final long SEGMENT_BYTES = SnapshotSegment.bytes(SnapshotSegment.SLOTS);

    private final Checkpoints checkpoints = new Checkpoints("r", new MemoryRunStorage(), INTERVAL_MS);
    private final Checkpoints.Source source = new Checkpoints.Source() {
        @Override
        public int size() {
            return SEGMENTS * SnapshotSegment.SLOTS;
        }

        @Override
        public byte[] segment(final int from, final int to) {
            return new byte[1];
        }
    };

    private void dirtyAll(final long entry) {
        for (int s = 0; s < SEGMENTS; s++) {
            checkpoints.touched(s * SnapshotSegment.SLOTS, entry);
        }
    }

    @Test
    void aJournalThatGrowsFastIsCheckpointedOncePerInterval() {
        dirtyAll(0);
        checkpoints.write(0, 1, source, false);
        // a journal growing by far more than the segments' bytes: the interval paces the writes
        int written = 0;
        for (int t = 1; t <= 10; t++) {
            dirtyAll(t);
            checkpoints.journaled(100 * SEGMENT_BYTES);
            written += checkpoints.write(t * 100L, 1 + t, source, false);
        }
        assertEquals(SEGMENTS, written, "as many segments in one interval as there are");
    }

    @Test
    void aJournalThatGrowsSlowlyIsCheckpointedByItsBytes() {
        dirtyAll(0);
        checkpoints.write(0, 1, source, false);
        // five intervals in each of which the journal grows by one segment's bytes: 2 segments each
        int written = 0;
        for (int t = 1; t <= 5; t++) {
            dirtyAll(t);
            checkpoints.journaled(SEGMENT_BYTES);
            written += checkpoints.write(t * INTERVAL_MS, 1 + t, source, false);
        }
        assertEquals(Checkpoints.SNAPSHOT_PER_JOURNAL * 5, written);
        // nothing appended: nothing written, however long it has been
        assertEquals(0, checkpoints.write(100 * INTERVAL_MS, 20, source, false));
        // a checkpoint of everything ignores both paces
        dirtyAll(20);
        assertEquals(SEGMENTS, checkpoints.write(100 * INTERVAL_MS, 20, source, true));
    }
}
