package org.isgd.sampler.run;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import java.util.Arrays;

/**
 * The prediction batches that are some sample's latest: per batch its journal entry and the
 * step, batchSeq and time its header gave, with the number of samples whose latest it is. A
 * sample's state points here instead of carrying those three longs itself: every sample a batch
 * trained shares them, so a run keeps them once per batch, and a batch whose samples have all been
 * predicted again since is dropped and its place reused. With batches of B samples that is about
 * 2·N/B entries of 52 bytes for N samples in steady training, where one copy per sample took
 * 24·N; at most N entries (every sample's latest in a batch of its own, as the per-sample
 * contract's one-row batches leave it).
 */
final class LatestBatches {
    private static final int WORDS = 4; // journal, step, batchSeq, time
    private long[] headers = new long[WORDS * 16];
    /** Samples whose latest each entry is; an entry with none is free. */
    private int[] samples = new int[16];
    private final IntArrayList free = new IntArrayList();
    private final Long2IntOpenHashMap byJournal = new Long2IntOpenHashMap();
    private int used;
    /** The entry the last {@link #of} returned: the rows of one batch are recorded one after another. */
    private int last = -1;

    LatestBatches() {
        byJournal.defaultReturnValue(-1);
    }

    /** Entries in use (for tests and memory reports). */
    int size() {
        return byJournal.size();
    }

    /**
     * The entry of journal entry {@code journal}, made with the header's values when there is none;
     * one sample is to point at it ({@link #retain}).
     */
    int of(final long journal, final long step, final long batchSeq, final long time) {
        if (last >= 0 && headers[last * WORDS] == journal) {
            return last;
        }
        int entry = byJournal.get(journal);
        if (entry < 0) {
            entry = free.isEmpty() ? used++ : free.popInt();
            if (entry * WORDS >= headers.length) {
                headers = Arrays.copyOf(headers, Math.multiplyExact(headers.length, 2));
                samples = Arrays.copyOf(samples, samples.length * 2);
            }
            final int at = entry * WORDS;
            headers[at] = journal;
            headers[at + 1] = step;
            headers[at + 2] = batchSeq;
            headers[at + 3] = time;
            samples[entry] = 0;
            byJournal.put(journal, entry);
        }
        last = entry;
        return entry;
    }

    /** One more sample's latest is {@code entry}. */
    void retain(final int entry) {
        samples[entry]++;
    }

    /** One sample fewer has {@code entry} as its latest; with none left it is freed. */
    void release(final int entry) {
        if (--samples[entry] == 0) {
            byJournal.remove(headers[entry * WORDS]);
            free.add(entry);
            if (entry == last) {
                last = -1;
            }
        }
    }

    long journal(final int entry) {
        return headers[entry * WORDS];
    }

    long step(final int entry) {
        return headers[entry * WORDS + 1];
    }

    long batchSeq(final int entry) {
        return headers[entry * WORDS + 2];
    }

    long time(final int entry) {
        return headers[entry * WORDS + 3];
    }

    /** Reads the entry's count ahead of {@link #release}; see {@code SampleColumns.touch}. */
    int touch(final int entry) {
        return samples[entry];
    }
}
