package org.isgd.sampler.sampling;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.SplittableRandom;

/**
 * A run's population with a sampling mass per sample: a sum tree over dense slots plus the
 * sample id and label of every slot. O(log N) update and draw. The fast, in-memory copy the
 * policies draw from; rebuilt from the stores on start or restore, never the durable copy.
 */
public final class WeightedPool {
    private final SumTree tree;
    // primitive collections: boxed Long/Integer maps and lists were ~100 bytes per sample (heap histogram, 1M samples)
    private final Long2IntOpenHashMap slots;
    private final LongArrayList ids;
    private final IntArrayList labels;

    public WeightedPool(final int expectedSize) {
        this.tree = new SumTree(Math.max(16, expectedSize));
        this.slots = new Long2IntOpenHashMap(Math.max(16, expectedSize));
        this.slots.defaultReturnValue(-1);
        this.ids = new LongArrayList(Math.max(16, expectedSize));
        this.labels = new IntArrayList(Math.max(16, expectedSize));
    }

    /** Makes room for {@code samples} samples at once. */
    public void reserve(final int samples) {
        tree.reserve(samples);
        slots.ensureCapacity(samples);
        ids.ensureCapacity(samples);
        labels.ensureCapacity(samples);
    }

    public int size() {
        return tree.size();
    }

    public boolean contains(final long sampleId) {
        return slots.containsKey(sampleId);
    }

    /** Adds a sample with the given mass; a sample already present keeps its slot and takes the mass. */
    public void put(final long sampleId, final int label, final double mass) {
        final int slot = slots.get(sampleId);
        if (slot >= 0) {
            tree.set(slot, mass);
            labels.set(slot, label);
            return;
        }
        slots.put(sampleId, tree.add(mass));
        ids.add(sampleId);
        labels.add(label);
    }

    /** Sets the mass of a sample already in the pool. */
    public void set(final long sampleId, final double mass) {
        tree.set(slotOf(sampleId), mass);
    }

    /** Sets the mass of the sample in {@code slot}. */
    public void setAt(final int slot, final double mass) {
        tree.set(slot, mass);
    }

    /** The slot of a sample, or -1 if it is not in the pool. */
    public int slot(final long sampleId) {
        return slots.get(sampleId);
    }

    public double mass(final long sampleId) {
        final int slot = slots.get(sampleId);
        return slot < 0 ? 0.0 : tree.mass(slot);
    }

    public double totalMass() {
        return tree.total();
    }

    public long idAt(final int slot) {
        return ids.getLong(slot);
    }

    public int labelAt(final int slot) {
        return labels.getInt(slot);
    }

    public double massAt(final int slot) {
        return tree.mass(slot);
    }

    /** The slot a draw lands in, with probability mass/total. */
    public int drawSlot(final SplittableRandom random) {
        return tree.draw(random.nextDouble() * tree.total());
    }

    /** The slot whose cumulative mass interval holds {@code u}, for {@code u} in [0, totalMass()). */
    public int slotAtMass(final double u) {
        return tree.draw(u);
    }

    /** A slot uniformly at random, whatever the masses. */
    public int uniformSlot(final SplittableRandom random) {
        return random.nextInt(tree.size());
    }

    private int slotOf(final long sampleId) {
        final int slot = slots.get(sampleId);
        if (slot < 0) {
            throw new IllegalArgumentException("sample " + sampleId + " is not in the pool");
        }
        return slot;
    }
}
