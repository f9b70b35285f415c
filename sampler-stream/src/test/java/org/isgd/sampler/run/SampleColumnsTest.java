package org.isgd.sampler.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

/** Per-sample columns that keep each batch's header once, for every sample it is the latest of. */
class SampleColumnsTest {
    private static final int N = 1_000;

    private static SampleColumns columns(final int n) {
        final SampleColumns columns = new SampleColumns();
        for (int i = 0; i < n; i++) {
            columns.add();
        }
        return columns;
    }

    /** Batch {@code b}: journal entry 100 + b, step 10·b, batchSeq b, time 1000 + b. */
    private static void record(final SampleColumns columns, final int slot, final int b, final int position) {
        columns.record(slot, 0.5f, b / 10f, b, b % 10, true, 10L * b, b, position, 1_000L + b, 100L + b);
    }

    @Test
    void aSampleReportsItsLatestBatchHeader() {
        final SampleColumns columns = columns(4);
        assertNull(columns.state(0, 7));
        assertEquals(-1, columns.lastApply(0));
        assertEquals(-1, columns.lastBatchSeq(0));
        record(columns, 0, 3, 5);
        record(columns, 1, 3, 6);
        record(columns, 0, 4, 2);
        final SampleState s0 = columns.state(0, 7);
        assertEquals(new SampleState(7, 0.5f, 0.4f, 4f, 4, 2, 40, 4, 1_004, 2), s0);
        assertEquals(new SampleState(7, 0.5f, 0.3f, 3f, 3, 1, 30, 3, 1_003, 6), columns.state(1, 7));
        assertEquals(104, columns.lastApply(0));
        assertEquals(103, columns.lastApply(1));
        assertEquals(2, columns.latestBatches());
    }

    @Test
    void aBatchIsKeptWhileSomeSampleHasItAsItsLatest() {
        final SampleColumns columns = columns(3);
        record(columns, 0, 1, 0);
        record(columns, 1, 1, 1);
        record(columns, 2, 2, 0);
        assertEquals(2, columns.latestBatches());
        record(columns, 0, 3, 0);
        assertEquals(3, columns.latestBatches()); // batch 1 is still sample 1's latest
        record(columns, 1, 3, 1);
        assertEquals(2, columns.latestBatches()); // batch 1 is no one's latest now
        // a sample drawn twice in one batch: both rows apply, the batch stays its latest
        record(columns, 2, 4, 0);
        record(columns, 2, 4, 1);
        assertEquals(2, columns.latestBatches());
        assertEquals(104, columns.lastApply(2));
        assertEquals(1, columns.lastPosition(2));
        assertEquals(3, columns.visits(2));
    }

    @Test
    void steadyTrainingKeepsAboutTwoEpochsOfBatches() {
        final SampleColumns columns = columns(N);
        final SplittableRandom random = new SplittableRandom(5);
        final int batch = 10;
        int b = 0;
        for (int epoch = 0; epoch < 20; epoch++) {
            final int[] order = random.ints(0, Integer.MAX_VALUE).limit(N).toArray();
            final Integer[] slots = new Integer[N];
            for (int i = 0; i < N; i++) {
                slots[i] = i;
            }
            java.util.Arrays.sort(slots, (x, y) -> Integer.compare(order[x], order[y]));
            for (int i = 0; i < N; i++) {
                if (i % batch == 0) {
                    b++;
                }
                record(columns, slots[i], b, i % batch);
            }
        }
        // one epoch is 100 batches; no batch older than the previous epoch can be anyone's latest
        assertTrue(columns.latestBatches() <= 2 * N / batch, () -> columns.latestBatches() + " batches kept");
        assertTrue(columns.latestBatches() >= N / batch, () -> columns.latestBatches() + " batches kept");
    }

    @Test
    void aSegmentRestoresEveryStateAndSharesTheBatchesAgain() {
        final SampleColumns columns = columns(N);
        final SplittableRandom random = new SplittableRandom(11);
        for (int b = 0; b < 300; b++) {
            for (int row = 0; row < 8; row++) {
                record(columns, random.nextInt(N - 1), b, row); // the last slot is never predicted
            }
        }
        final long[] ids = new long[N];
        final int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            ids[i] = 5_000 + i;
            labels[i] = i % 10;
        }
        final SnapshotSegment segment = SnapshotSegment.fromBytes(columns.segment(0, N, ids, labels));
        final SampleColumns restored = columns(N);
        for (int i = 0; i < N; i++) {
            restored.restore(i, segment.states()[i], segment.lastApply()[i]);
        }
        for (int i = 0; i < N; i++) {
            assertEquals(columns.state(i, labels[i]), restored.state(i, labels[i]), "slot " + i);
            assertEquals(columns.lastApply(i), restored.lastApply(i), "slot " + i);
        }
        assertFalse(restored.seen(N - 1));
        assertEquals(columns.latestBatches(), restored.latestBatches());
    }
}
