package org.isgd.sampler.sampling;

/**
 * The maximum of non-negative values over dense slots, in a complete binary tree: O(log n)
 * update (a few levels in practice: it stops where the maximum stops changing), O(1) maximum. The companion of {@link SumTree} for "the highest current score".
 */
public final class MaxTree {
    private double[] nodes; // nodes[1] = root; leaves at [capacity, 2 * capacity)
    private int capacity;
    private int size;

    public MaxTree(final int initialCapacity) {
        capacity = Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1;
        nodes = new double[2 * capacity];
    }

    public int size() {
        return size;
    }

    /** The largest value, 0 when empty. */
    public double max() {
        return nodes[1];
    }

    /** Appends a slot with the given value and returns its index. */
    public int add(final double value) {
        if (size == capacity) {
            grow();
        }
        final int slot = size++;
        set(slot, value);
        return slot;
    }

    public void set(final int slot, final double value) {
        if (slot < 0 || slot >= size) {
            throw new IndexOutOfBoundsException("slot " + slot + " not in [0, " + size + ")");
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("value must be finite and >= 0, was " + value + " for slot " + slot);
        }
        int node = capacity + slot;
        nodes[node] = value;
        // an ancestor whose maximum does not change leaves every one above it as it was: most updates
        // stop within a level or two instead of climbing all log n
        for (node >>>= 1; node >= 1; node >>>= 1) {
            final double max = Math.max(nodes[2 * node], nodes[2 * node + 1]);
            if (nodes[node] == max) {
                return;
            }
            nodes[node] = max;
        }
    }

    /**
     * Reads the nodes an update of {@code slot} passes through on the lowest levels, where they
     * lie apart in memory (higher up they are few and stay in cache); returns their sum, for the
     * caller to keep.
     */
    public long touch(final int slot) {
        return SumTree.touchPath(nodes, capacity + slot);
    }

    /** Makes room for {@code slots} slots at once (one allocation instead of doublings). */
    public void reserve(final int slots) {
        if (slots > capacity) {
            grow(Integer.highestOneBit(slots - 1) << 1);
        }
    }

    private void grow() {
        grow(capacity * 2);
    }

    private void grow(final int newCapacity) {
        final double[] grown = new double[2 * newCapacity];
        System.arraycopy(nodes, capacity, grown, newCapacity, size);
        for (int node = newCapacity - 1; node >= 1; node--) {
            grown[node] = Math.max(grown[2 * node], grown[2 * node + 1]);
        }
        nodes = grown;
        capacity = newCapacity;
    }
}
