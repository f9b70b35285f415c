package org.isgd.sampler.sampling;

import java.util.Arrays;

/**
 * A run's samples in dense slots 0, 1, 2, ... (the order they joined), with each one's id and
 * label, and an index from id to slot. Sample ids are usually dense (a dataset's row numbers):
 * ids below a limit that keeps at least half of it used are looked up in a direct array,
 * {@code direct[id] = slot}, one memory access; other ids in an open-addressing table of slots
 * (linear probing, at most 3/4 full) that compares against the id array instead of storing ids
 * again. Either way the index costs 4 to 8 bytes a sample besides the 12 of id and label.
 */
public final class Population {
    private static final int EMPTY = -1;
    private long[] ids;
    private int[] labels;
    /** direct[id] = slot for ids below direct.length. */
    private int[] direct = new int[0];
    /** Slots of the samples whose id is outside the direct array. */
    private int[] table = newTable(0);
    private int hashed;
    private int size;

    public Population(final int expectedSize) {
        final int capacity = Math.max(16, expectedSize);
        ids = new long[capacity];
        labels = new int[capacity];
    }

    private static int[] newTable(final int entries) {
        final int length = Integer.highestOneBit(Math.max(16, entries + entries / 3) - 1) << 1;
        final int[] table = new int[length];
        Arrays.fill(table, EMPTY);
        return table;
    }

    public int size() {
        return size;
    }

    /** Makes room for {@code samples} samples at once (one allocation instead of doublings). */
    public void reserve(final int samples) {
        if (samples > ids.length) {
            ids = Arrays.copyOf(ids, samples);
            labels = Arrays.copyOf(labels, samples);
        }
    }

    /** The slot of a sample, -1 if it is not in the population. */
    public int slot(final long sampleId) {
        if (sampleId >= 0 && sampleId < direct.length) {
            return direct[(int) sampleId]; // every id in the direct range is kept there
        }
        if (hashed == 0) {
            return EMPTY;
        }
        final int mask = table.length - 1;
        for (int i = hash(sampleId) & mask; ; i = (i + 1) & mask) {
            final int slot = table[i];
            if (slot == EMPTY || ids[slot] == sampleId) {
                return slot;
            }
        }
    }

    /** Adds a sample (a known one only changes its label); returns its slot. */
    public int put(final long sampleId, final int label) {
        final int known = slot(sampleId);
        if (known >= 0) {
            labels[known] = label;
            return known;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            labels = Arrays.copyOf(labels, size * 2);
        }
        final int slot = size++;
        ids[slot] = sampleId;
        labels[slot] = label;
        index(slot);
        return slot;
    }

    public long idAt(final int slot) {
        return ids[slot];
    }

    public int labelAt(final int slot) {
        return labels[slot];
    }

    private void index(final int slot) {
        final long id = ids[slot];
        if (id >= 0 && id >= direct.length && id < densityLimit()) {
            growDirect(id);
        }
        if (id >= 0 && id < direct.length) {
            direct[(int) id] = slot;
            return;
        }
        if ((long) (hashed + 1) * 4 > (long) table.length * 3) {
            rehash(Math.max(16, hashed * 2));
        }
        insert(slot);
        hashed++;
    }

    /** Ids below this are kept in the direct array: it stays at least about half used. */
    private long densityLimit() {
        return 2L * size + 1024;
    }

    private void growDirect(final long id) {
        final int length = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(id + 1, Math.min(densityLimit(),
                Math.max(16L, 2L * direct.length))));
        final int old = direct.length;
        direct = Arrays.copyOf(direct, length);
        Arrays.fill(direct, old, length, EMPTY);
        if (hashed > 0) { // samples hashed before now fall in the direct range: move them
            final int[] before = table;
            table = newTable(hashed);
            hashed = 0;
            for (final int slot : before) {
                if (slot == EMPTY) {
                    continue;
                }
                if (ids[slot] >= 0 && ids[slot] < length) {
                    direct[(int) ids[slot]] = slot;
                } else {
                    insert(slot);
                    hashed++;
                }
            }
        }
    }

    private void insert(final int slot) {
        final int mask = table.length - 1;
        int i = hash(ids[slot]) & mask;
        while (table[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        table[i] = slot;
    }

    private void rehash(final int entries) {
        final int[] before = table;
        table = newTable(entries);
        for (final int slot : before) {
            if (slot != EMPTY) {
                insert(slot);
            }
        }
    }

    /** A mix of a long (as fastutil's): spreads sequential ids over the table. */
    private static int hash(final long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return (int) (h ^ (h >>> 16));
    }
}
