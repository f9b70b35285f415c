package org.isgd.sampler.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongFunction;
import org.isgd.sampler.store.SampleState;

/**
 * A sample's past states, read from its run's journal by following the pointer chain from its
 * latest prediction back: each journal entry holds, per row, the entry of that sample's previous
 * prediction. One store read per visit, so a sample's history costs the same at any population.
 * Safe from any thread: journal entries are never changed once written.
 */
public final class History {
    private History() {
    }

    /** One past state: the state right after the prediction trained at {@code timestamp}. */
    public record Entry(long timestamp, SampleState state) {
    }

    /**
     * Every state the sample had, oldest first, back to the oldest entry the journal still keeps.
     *
     * @param lastApply the journal index of the sample's latest prediction (-1: none)
     * @param journal reads entry {@code index} of the run's journal; null if it is gone
     * @param label the sample's registered label
     */
    public static List<Entry> of(final long sampleId, final int label, final long lastApply,
                                 final LongFunction<byte[]> journal) {
        final List<Entry> newestFirst = new ArrayList<>();
        long index = lastApply;
        while (index >= 0) {
            final byte[] bytes = journal.apply(index);
            if (bytes == null) {
                break; // pruned by the history retention
            }
            final JournalEntry entry = JournalEntry.fromBytes(bytes);
            if (entry.kind() != JournalEntry.PREDICTIONS) {
                break;
            }
            final PredictionRows rows = PredictionRows.decode(entry.batch());
            long previous = -1;
            for (int i = rows.count() - 1; i >= 0; i--) {
                if (rows.ids()[i] != sampleId || entry.visits()[i] < 0) {
                    continue;
                }
                newestFirst.add(new Entry(rows.header().getTimestamp(), new SampleState(label, rows.pCorrect()[i],
                        rows.loss()[i], rows.gradNormBound()[i], rows.predicted()[i], entry.visits()[i],
                        rows.header().getStep(), rows.header().getBatchSeq(), rows.header().getTimestamp(),
                        rows.position(i))));
                if (entry.prevApply()[i] < index) { // a sample twice in one batch points at this entry once
                    previous = Math.max(previous, entry.prevApply()[i]);
                }
            }
            index = previous;
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    /** The state as of {@code timestamp}: the last one trained at or before it, or null. */
    public static SampleState asOf(final List<Entry> history, final long timestamp) {
        SampleState asOf = null;
        for (final Entry entry : history) {
            if (entry.timestamp() > timestamp) {
                break;
            }
            asOf = entry.state();
        }
        return asOf;
    }
}
