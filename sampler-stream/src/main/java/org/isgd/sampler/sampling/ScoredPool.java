package org.isgd.sampler.sampling;

import java.util.SplittableRandom;

/**
 * A population where every sample has a score that is its sampling mass, and samples not scored
 * yet ("unseen") count at the highest current score, so a newcomer is drawn soon. Seen masses
 * live in a {@link WeightedPool}'s sum tree, their maximum in a {@link MaxTree}; unseen samples
 * form one group of equal mass (a second sum tree with mass 1 per unseen slot), so a change of
 * the maximum costs nothing. O(log N) per score, O(log N) per draw. A draw depends only on the
 * current masses and the random numbers, not on the order of past updates, so a pool rebuilt
 * from the same state in the same slot order draws the same samples.
 *
 * <p>Draws come from the mixture q_i = share · m_i / M + (1 − share) / N, m_i the mass of sample
 * i (the maximum for unseen ones), M = Σ m, N the population; when M = 0 every draw is uniform.
 */
public final class ScoredPool {
    private final WeightedPool pool;
    private final MaxTree maxima;
    private final SumTree unseen; // 1 per unseen slot, 0 once seen
    private int unseenCount;

    public ScoredPool(final int expectedSize) {
        pool = new WeightedPool(expectedSize);
        maxima = new MaxTree(Math.max(16, expectedSize));
        unseen = new SumTree(Math.max(16, expectedSize));
    }

    /** Makes room for {@code samples} samples at once. */
    public void reserve(final int samples) {
        pool.reserve(samples);
        maxima.reserve(samples);
        unseen.reserve(samples);
    }

    public int size() {
        return pool.size();
    }

    /** Adds an unseen sample, or changes the label of a known one (its score stays); returns its slot. */
    public int put(final long sampleId, final int label) {
        final int known = pool.slot(sampleId);
        if (known >= 0) {
            pool.put(sampleId, label, pool.massAt(known));
            return known;
        }
        pool.put(sampleId, label, 0.0);
        maxima.add(0.0);
        unseenCount++;
        return unseen.add(1.0);
    }

    /** The slot of a sample, -1 if it is not in the pool. */
    public int slot(final long sampleId) {
        return pool.slot(sampleId);
    }

    public long idAt(final int slot) {
        return pool.idAt(slot);
    }

    public int labelAt(final int slot) {
        return pool.labelAt(slot);
    }

    public boolean seen(final int slot) {
        return unseen.mass(slot) == 0;
    }

    /** Sets the mass of a sample, which is seen from now on. */
    public void setMass(final int slot, final double mass) {
        pool.setAt(slot, mass);
        maxima.set(slot, mass);
        if (!seen(slot)) {
            unseen.set(slot, 0.0);
            unseenCount--;
        }
    }

    /** The sampling mass of a slot: its score if seen, else the highest score. */
    public double massAt(final int slot) {
        return massAt(slot, maxima.max());
    }

    /** The sampling mass of a slot when unseen samples count at {@code unseenMass} (a sharded run's global maximum). */
    public double massAt(final int slot, final double unseenMass) {
        return seen(slot) ? pool.massAt(slot) : unseenMass;
    }

    /** Σ m_i when unseen samples count at {@code unseenMass}. */
    public double total(final double unseenMass) {
        return pool.totalMass() + unseenCount * unseenMass;
    }

    public double maxMass() {
        return maxima.max();
    }

    /** Σ m_i over the population, unseen samples at the maximum. */
    public double total() {
        return total(maxima.max());
    }

    public double seenTotal() {
        return pool.totalMass();
    }

    public int seenCount() {
        return size() - unseenCount;
    }

    public int uniformSlot(final SplittableRandom random) {
        return pool.uniformSlot(random);
    }

    /** A slot drawn with probability m_i / M; requires M > 0. */
    public int proportionalSlot(final SplittableRandom random) {
        return proportionalSlot(random, maxima.max());
    }

    /** A slot drawn with probability m_i / M, unseen samples at {@code unseenMass}; requires M > 0. */
    public int proportionalSlot(final SplittableRandom random, final double unseenMass) {
        final double seenMass = pool.totalMass();
        final double u = random.nextDouble() * total(unseenMass);
        if (unseenCount == 0 || unseenMass <= 0 || u < seenMass && seenMass > 0) {
            return pool.slotAtMass(u);
        }
        // the k-th unseen slot in slot order, k = floor((u - seenMass) / max)
        return unseen.draw(Math.floor((u - seenMass) / unseenMass));
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
