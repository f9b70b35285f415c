package org.isgd.sampler.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A population where every sample has a score that is its sampling mass, and samples not scored
 * yet ("unseen") count at the highest current score, so a newcomer is drawn soon.
 *
 * <p>Masses live in one array; slots are grouped in blocks of {@link #BLOCK}, and three small
 * trees over the blocks keep each block's sum of seen masses ({@link SumTree}), its highest mass
 * ({@link MaxTree}) and its number of unseen samples (a {@link SumTree} of counts). An update
 * rewrites its block's three figures (a scan of 64 neighbouring values) and climbs trees of
 * N/64 leaves that stay in cache; a draw descends to a block and scans it. O(log N + 64) either
 * way, about 10 bytes per sample besides the mass, where three trees over every slot took 48. A
 * draw depends only on the current masses and the random numbers, not on the order of past
 * updates, so a pool rebuilt from the same state in the same slot order draws the same samples.
 *
 * <p>Draws come from the mixture q_i = share · m_i / M + (1 − share) / N, m_i the mass of sample
 * i (the maximum for unseen ones), M = Σ m, N the population; when M = 0 every draw is uniform.
 */
public final class ScoredPool {
    static final int BLOCK = 64;
    private static final int SHIFT = Integer.numberOfTrailingZeros(BLOCK);
    private static final double UNSEEN = -1.0;

    private final Population population;
    private double[] mass = new double[0]; // UNSEEN until a sample has a score
    private final SumTree blockSums = new SumTree(16);
    private final MaxTree blockMaxima = new MaxTree(16);
    private final SumTree blockUnseen = new SumTree(16);
    private int unseenCount;

    public ScoredPool(final int expectedSize) {
        population = new Population(expectedSize);
        mass = new double[Math.max(16, expectedSize)];
    }

    /** Makes room for {@code samples} samples at once. */
    public void reserve(final int samples) {
        population.reserve(samples);
        if (samples > mass.length) {
            mass = Arrays.copyOf(mass, samples);
        }
        final int blocks = (samples + BLOCK - 1) >> SHIFT;
        blockSums.reserve(blocks);
        blockMaxima.reserve(blocks);
        blockUnseen.reserve(blocks);
    }

    public int size() {
        return population.size();
    }

    /** Adds an unseen sample, or changes the label of a known one (its score stays); returns its slot. */
    public int put(final long sampleId, final int label) {
        final int before = population.size();
        final int slot = population.put(sampleId, label);
        if (slot < before) {
            return slot;
        }
        if (slot == mass.length) {
            mass = Arrays.copyOf(mass, slot * 2);
        }
        mass[slot] = UNSEEN;
        final int block = slot >> SHIFT;
        if (block == blockSums.size()) {
            blockSums.add(0.0);
            blockMaxima.add(0.0);
            blockUnseen.add(0.0);
        }
        unseenCount++;
        blockUnseen.set(block, blockUnseen.mass(block) + 1);
        return slot;
    }

    /** The slot of a sample, -1 if it is not in the pool. */
    public int slot(final long sampleId) {
        return population.slot(sampleId);
    }

    public long idAt(final int slot) {
        return population.idAt(slot);
    }

    public int labelAt(final int slot) {
        return population.labelAt(slot);
    }

    public boolean seen(final int slot) {
        return mass[slot] >= 0;
    }

    /**
     * Reads what {@link #setMass} of {@code slot} will read: its label, its block's masses (one
     * read per cache line) and the lowest levels of the block trees (the unseen counts' too on a
     * sample's first visit); see {@code SamplingPolicy.touch}.
     */
    public long touch(final int slot) {
        final int block = slot >> SHIFT;
        final int from = block << SHIFT;
        final int to = Math.min(mass.length, from + BLOCK);
        double sum = 0;
        for (int s = from; s < to; s += 8) { // 8 doubles a cache line
            sum += mass[s];
        }
        return Double.doubleToRawLongBits(sum) ^ population.labelAt(slot) ^ blockSums.touch(block)
                ^ blockMaxima.touch(block) ^ (mass[slot] < 0 ? blockUnseen.touch(block) : 0);
    }

    /** Sets the mass of a sample, which is seen from now on. */
    public void setMass(final int slot, final double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("mass must be finite and >= 0, was " + value + " for slot " + slot);
        }
        final int block = slot >> SHIFT;
        if (!seen(slot)) {
            unseenCount--;
            blockUnseen.set(block, blockUnseen.mass(block) - 1);
        }
        mass[slot] = value;
        final int from = block << SHIFT;
        final int to = Math.min(population.size(), from + BLOCK);
        double sum = 0;
        double max = 0;
        for (int s = from; s < to; s++) {
            final double m = mass[s];
            if (m > 0) {
                sum += m;
                max = Math.max(max, m);
            }
        }
        blockSums.set(block, sum);
        blockMaxima.set(block, max);
    }

    /** The sampling mass of a slot: its score if seen, else the highest score. */
    public double massAt(final int slot) {
        return massAt(slot, maxMass());
    }

    /** The sampling mass of a slot when unseen samples count at {@code unseenMass} (a sharded run's global maximum). */
    public double massAt(final int slot, final double unseenMass) {
        return seen(slot) ? mass[slot] : unseenMass;
    }

    /** Σ m_i when unseen samples count at {@code unseenMass}. */
    public double total(final double unseenMass) {
        return seenTotal() + unseenCount * unseenMass;
    }

    public double maxMass() {
        return blockMaxima.max();
    }

    /** Σ m_i over the population, unseen samples at the maximum. */
    public double total() {
        return total(maxMass());
    }

    public double seenTotal() {
        return blockSums.total();
    }

    public int seenCount() {
        return size() - unseenCount;
    }

    public int uniformSlot(final SplittableRandom random) {
        return random.nextInt(population.size());
    }

    /** A slot drawn with probability m_i / M; requires M > 0. */
    public int proportionalSlot(final SplittableRandom random) {
        return proportionalSlot(random, maxMass());
    }

    /** A slot drawn with probability m_i / M, unseen samples at {@code unseenMass}; requires M > 0. */
    public int proportionalSlot(final SplittableRandom random, final double unseenMass) {
        final double seenMass = seenTotal();
        final double u = random.nextDouble() * total(unseenMass);
        if (unseenCount == 0 || unseenMass <= 0 || u < seenMass && seenMass > 0) {
            return seenSlotAt(Math.min(u, Math.nextDown(seenMass)));
        }
        // the k-th unseen slot in slot order, k = floor((u - seenMass) / max)
        return unseenSlot((long) Math.min(unseenCount - 1, Math.floor((u - seenMass) / unseenMass)));
    }

    /** The seen slot whose cumulative mass interval holds {@code u}, in [0, seenTotal()). */
    private int seenSlotAt(final double u) {
        final double[] rest = {u};
        final int block = blockSums.draw(u, rest);
        final int from = block << SHIFT;
        final int to = Math.min(population.size(), from + BLOCK);
        int last = -1;
        double remaining = rest[0];
        for (int s = from; s < to; s++) {
            final double m = mass[s];
            if (m > 0) {
                if (remaining < m) {
                    return s;
                }
                remaining -= m;
                last = s;
            }
        }
        return last; // rounding ran past the block's end: its last slot with mass
    }

    /** The k-th unseen slot (from 0) in slot order. */
    private int unseenSlot(final long k) {
        final double[] rest = {k};
        final int block = blockUnseen.draw(k + 0.5, rest);
        long skip = (long) rest[0];
        final int from = block << SHIFT;
        final int to = Math.min(population.size(), from + BLOCK);
        int last = -1;
        for (int s = from; s < to; s++) {
            if (mass[s] < 0) {
                if (skip-- == 0) {
                    return s;
                }
                last = s;
            }
        }
        return last;
    }

    /** A slot of the mixture with the given share of proportional draws (see the class comment). */
    public int mixtureSlot(final SplittableRandom random, final double share) {
        final boolean proportional = total() > 0 && random.nextDouble() < share;
        return proportional ? proportionalSlot(random) : uniformSlot(random);
    }

    /** q_i of the mixture with the given share of proportional draws. */
    public double probability(final int slot, final double share) {
        final double total = total();
        final double uniform = 1.0 / size();
        return total > 0 ? share * massAt(slot) / total + (1 - share) * uniform : uniform;
    }
}
