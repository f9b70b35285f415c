package org.isgd.sampler.sampling;

import java.util.Arrays;

/**
 * Sampling masses over slots 0..size-1 in a complete binary tree of partial sums: O(log n)
 * update and draw, O(1) total. Slots are dense; the tree doubles its capacity as slots are
 * added. Masses must be finite and non-negative.
 */
public final class SumTree {
    /** Levels {@link #touch} reads: 8 nodes share a cache line, so from the fourth level up a line serves many updates. */
    private static final int TOUCHED_LEVELS = 6;
    private double[] nodes; // nodes[1] = root; leaves at [capacity, 2 * capacity)
    private int capacity;
    private int size;

    public SumTree(final int initialCapacity) {
        capacity = Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1;
        nodes = new double[2 * capacity];
    }

    public int size() {
        return size;
    }

    public double total() {
        return nodes[1];
    }

    public double mass(final int slot) {
        checkSlot(slot);
        return nodes[capacity + slot];
    }

    /** Appends a slot with the given mass and returns its index. */
    public int add(final double mass) {
        if (size == capacity) {
            grow();
        }
        final int slot = size++;
        set(slot, mass);
        return slot;
    }

    public void set(final int slot, final double mass) {
        checkSlot(slot);
        if (!(mass >= 0) || Double.isInfinite(mass)) {
            throw new IllegalArgumentException("mass must be finite and >= 0, was " + mass + " for slot " + slot);
        }
        int node = capacity + slot;
        nodes[node] = mass;
        for (node >>>= 1; node >= 1; node >>>= 1) {
            nodes[node] = nodes[2 * node] + nodes[2 * node + 1];
        }
    }

    /**
     * The slot whose cumulative mass interval holds {@code u}, for {@code u} in [0, total()).
     * Slots of zero mass are never returned, whatever the rounding.
     */
    public int draw(final double u) {
        return draw(u, null);
    }

    /**
     * {@link #draw(double)}, also giving where in the slot's interval {@code u} fell: {@code u}
     * minus the mass of the slots before it, in {@code remainder[0]} (when not null).
     */
    public int draw(final double u, final double[] remainder) {
        if (!(nodes[1] > 0)) {
            throw new IllegalStateException("cannot draw: total mass is " + nodes[1]);
        }
        final double start = Math.min(Math.max(u, 0.0), Math.nextDown(nodes[1]));
        double rest = start;
        int node = 1;
        while (node < capacity) { // the hot path: one read per level
            final int left = node << 1;
            final double leftMass = nodes[left];
            if (rest < leftMass) {
                node = left;
            } else {
                rest -= leftMass;
                node = left + 1;
            }
        }
        if (!(nodes[node] > 0)) {
            return drawAvoidingZeros(start, remainder);
        }
        if (remainder != null) {
            remainder[0] = Math.min(rest, Math.nextDown(nodes[node]));
        }
        return node - capacity;
    }

    /** The same descent, rare: rounding led the fast one onto a leaf of zero mass. */
    private int drawAvoidingZeros(final double u, final double[] remainder) {
        double rest = u;
        int node = 1;
        while (node < capacity) {
            final double left = nodes[2 * node];
            final boolean goLeft = rest < left ? left > 0 : !(nodes[2 * node + 1] > 0);
            if (goLeft) {
                rest = Math.min(rest, Math.nextDown(left));
                node = 2 * node;
            } else {
                rest -= left;
                node = 2 * node + 1;
            }
        }
        if (remainder != null) {
            remainder[0] = Math.max(0, Math.min(rest, Math.nextDown(nodes[node])));
        }
        return node - capacity;
    }

    /**
     * Reads the nodes an update of {@code slot} passes through on the lowest levels, where they
     * lie apart in memory (higher up they are few and stay in cache); returns their sum, for the
     * caller to keep.
     */
    public long touch(final int slot) {
        return touchPath(nodes, capacity + slot);
    }

    /** The lowest {@link #TOUCHED_LEVELS} nodes from {@code leaf} up in a tree laid out as this one (and {@link MaxTree}), summed. */
    static long touchPath(final double[] nodes, final int leaf) {
        double sum = 0;
        for (int node = leaf, level = 0; node >= 1 && level < TOUCHED_LEVELS; node >>>= 1, level++) {
            sum += nodes[node];
        }
        return Double.doubleToRawLongBits(sum);
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
            grown[node] = grown[2 * node] + grown[2 * node + 1];
        }
        nodes = grown;
        capacity = newCapacity;
    }

    private void checkSlot(final int slot) {
        if (slot < 0 || slot >= size) {
            throw new IndexOutOfBoundsException("slot " + slot + " not in [0, " + size + ")");
        }
    }

    @Override
    public String toString() {
        return "SumTree{size=" + size + ", total=" + total() + ", leaves="
                + Arrays.toString(Arrays.copyOfRange(nodes, capacity, capacity + Math.min(size, 8))) + "}";
    }
}
