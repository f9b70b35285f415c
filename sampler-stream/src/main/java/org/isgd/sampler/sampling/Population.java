package org.isgd.sampler.sampling;

import java.util.Arrays;

/**
 * A run's samples in dense slots 0, 1, 2, ... (the order they joined), with each one's id and
 * label, and an index from id to slot: an open-addressing table of slots (linear probing, at most
 * 3/4 full) that compares against the id array instead of storing ids again, so the whole costs
 * 12 bytes per sample plus 4 to 8 bytes of table — a third of a boxed-free hash map's.
 */
public final class Population {
    private static final int EMPTY = -1;
    private long[] ids;
    private int[] labels;
    private int[] table;
    private int size;

    public Population(final int expectedSize) {
        final int capacity = Math.max(16, expectedSize);
        ids = new long[capacity];
        labels = new int[capacity];
        table = newTable(capacity);
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
        if ((long) samples * 4 > (long) table.length * 3) {
            rehash(samples);
        }
    }

    /** The slot of a sample, -1 if it is not in the population. */
    public int slot(final long sampleId) {
        for (int i = hash(sampleId) & mask(); ; i = (i + 1) & mask()) {
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
        if ((long) (size + 1) * 4 > (long) table.length * 3) {
            rehash(size * 2);
        }
        final int slot = size++;
        ids[slot] = sampleId;
        labels[slot] = label;
        insert(slot);
        return slot;
    }

    public long idAt(final int slot) {
        return ids[slot];
    }

    public int labelAt(final int slot) {
        return labels[slot];
    }

    private int mask() {
        return table.length - 1;
    }

    private void insert(final int slot) {
        int i = hash(ids[slot]) & mask();
        while (table[i] != EMPTY) {
            i = (i + 1) & mask();
        }
        table[i] = slot;
    }

    private void rehash(final int entries) {
        table = newTable(entries);
        for (int slot = 0; slot < size; slot++) {
            insert(slot);
        }
    }

    /** fastutil's mix of a long: spreads sequential ids over the table. */
    private static int hash(final long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return (int) (h ^ (h >>> 16));
    }
}
