package org.isgd.sampler.sampling;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isgd.sampler.policy.SamplingPolicy;

/**
 * The fast, in-memory copy of one run's sampling masses: a sum tree over the run's population
 * with the slot of every sample id. Rebuilt from the stores on start or restore; never the
 * durable copy.
 */
public final class RunSampler {
    private final SamplingPolicy policy;
    private final SumTree tree;
    private final Map<Long, Integer> slots = new HashMap<>();
    private final List<Long> ids = new ArrayList<>();

    public RunSampler(final SamplingPolicy policy, final int expectedSize) {
        this.policy = policy;
        this.tree = new SumTree(Math.max(16, expectedSize));
    }

    public SamplingPolicy policy() {
        return policy;
    }

    public int population() {
        return tree.size();
    }

    public boolean contains(final long sampleId) {
        return slots.containsKey(sampleId);
    }

    /** Adds a sample with the given mass; a sample already present keeps its slot and takes the mass. */
    public void put(final long sampleId, final double mass) {
        final Integer slot = slots.get(sampleId);
        if (slot != null) {
            tree.set(slot, mass);
            return;
        }
        slots.put(sampleId, tree.add(mass));
        ids.add(sampleId);
    }

    public double mass(final long sampleId) {
        final Integer slot = slots.get(sampleId);
        return slot == null ? 0.0 : tree.mass(slot);
    }

    public double totalMass() {
        return tree.total();
    }

    /**
     * Draws {@code batchSize} samples with replacement in proportion to their masses and gives
     * each the unbiased weight 1/(N q), clipped at the policy's maxWeight.
     */
    public DrawnBatch draw(final int batchSize, final SplittableRandom random) {
        final long[] drawn = new long[batchSize];
        final float[] weights = new float[batchSize];
        final double[] probabilities = new double[batchSize];
        final double total = tree.total();
        final int n = tree.size();
        for (int i = 0; i < batchSize; i++) {
            final int slot = tree.draw(random.nextDouble() * total);
            final double q = tree.mass(slot) / total;
            drawn[i] = ids.get(slot);
            probabilities[i] = q;
            weights[i] = (float) Math.min(policy.maxWeight(), 1.0 / (n * q));
        }
        return new DrawnBatch(drawn, weights, probabilities);
    }

    /** One drawn batch: ids, loss weights and the proposal probability each was drawn with. */
    public record DrawnBatch(long[] sampleIds, float[] weights, double[] probabilities) {
    }
}
