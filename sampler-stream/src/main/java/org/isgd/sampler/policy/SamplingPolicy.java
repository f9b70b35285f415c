package org.isgd.sampler.policy;

import org.isgd.sampler.reference.ReferenceLosses;

import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;

/**
 * One run's sampling method: it is told about the run's population and every prediction, and
 * draws the run's batches. One implementation per paper, each created per run by
 * {@link Policies#forRun}. Implementations keep only in-memory state that can be rebuilt from
 * {@link #put} calls (the processor replays the population and the importance store on restart).
 *
 * <p>Contract for draws: {@code probabilities[i]} is the proposal q_i sample i was drawn with;
 * {@code weights[i]} multiplies its loss (1/(N q_i) clipped at maxWeight for unbiased policies, 1
 * for uniform, the policy's own rule otherwise).
 */
public interface SamplingPolicy {

    /** The name used in {@code RunSpec.policy}. */
    String name();

    /**
     * A sample is part of the run's population: on registration ({@code state} null) and on
     * rebuild (with its stored state, null if never trained). Called again for a known sample
     * when its label changes.
     */
    void put(long sampleId, int label, SampleState state);

    /** A prediction was applied to a sample of the population. */
    void update(long sampleId, SampleState before, SampleState after);

    /**
     * A hint before the population is put: about this many samples will come, so the in-memory
     * structures are allocated once (growing by doublings needs old and new copies at once).
     */
    default void reserve(final int expectedPopulation) {
    }

    /** Number of samples in the run's population. */
    int population();

    /** The label of a sample of the population (what a draw's class shares are counted by); -1 if not in it. */
    int labelOf(long sampleId);

    /**
     * The slot of a sample: its place in the population, 0, 1, 2, ... in the order samples were
     * {@link #put}; -1 if not in it.
     */
    int slotOf(long sampleId);

    /** The sample in a slot. */
    long idAt(int slot);

    /** The label of the sample in a slot. */
    int labelAt(int slot);

    /**
     * Reads what an update of {@code slot} will touch, and returns something computed from it
     * (for the caller to keep, so the reads are not optimised away). A prediction batch's rows go
     * to random slots of a large population: touching every row's memory first, in one loop whose
     * reads do not depend on each other, lets the CPU wait for all of those cache misses at once
     * instead of one after another while applying.
     */
    default long touch(final int slot) {
        return 0;
    }

    /**
     * Draws batch {@code batchSeq} of {@code batchSize} samples. Called with consecutive
     * batchSeqs; only with a non-empty population.
     */
    Draw draw(long batchSeq, int batchSize, SplittableRandom random);

    /**
     * Samples flagged as possibly mislabelled by the policy's noise guard, by id; empty for
     * policies without one. A snapshot, not a live view.
     */
    /**
     * The irreducible losses of the run's dataset (a newer version than last time): policies with a
     * noise guard flag the samples the reference model says are mislabelled; the others ignore them.
     */
    default void reference(final ReferenceLosses losses) {
    }

    /** Figures a policy reports about itself for the query API and metrics, e.g. {@code tau}. */
    default java.util.Map<String, Double> stats() {
        return java.util.Map.of();
    }

    default java.util.Set<Long> suspects() {
        return java.util.Set.of();
    }

    /** Whether one sample is flagged as possibly mislabelled (without copying {@link #suspects}). */
    default boolean isSuspect(final long sampleId) {
        return false;
    }

    /** One drawn batch, with each drawn sample's label (what the class shares of draws count). */
    record Draw(long[] sampleIds, int[] labels, float[] weights, double[] probabilities, String phase) {
    }

    // ---- sharded runs: one run spread over several stream tasks (see ShardedDraw) ----

    /** Whether a run of this policy can be spread over several shards (not with candidate batches, presample). */
    default boolean shardable() {
        return false;
    }

    /**
     * Whether a sharded run of this policy walks a permutation (selective-backprop, infobatch) rather than
     * drawing ∝ mass: its grants count candidates, each shard walks its own permutation and keeps
     * by the policy's rule ({@link #walkShard}), and the coordinator interleaves the shards' walks
     * into one (docs/architecture.md, "One run across several sampler instances").
     */
    default boolean walks() {
        return false;
    }

    /**
     * What a shard's walk kept: {@code kept.probabilities[i]} is sample i's keep probability,
     * {@code at[i]} its place among the {@code candidates} walked.
     */
    record Walk(Draw kept, int[] at, int candidates) {
    }

    /** Shard side of a walk: the shard's next {@code candidates} candidates, kept by the policy's rule under {@code plan}. */
    default Walk walkShard(final int candidates, final ShardedDraw.Plan plan, final SplittableRandom random) {
        throw new UnsupportedOperationException(name() + " runs do not walk");
    }

    /** What this shard of a sharded run reports to the run's coordinator. */
    default ShardedDraw.Summary summary() {
        return new ShardedDraw.Summary(population(), 0, 0, 0, 0);
    }

    /**
     * Coordinator side: how batch {@code batchSeq} of the whole run is drawn, decided from the
     * shards' totals exactly as {@link #draw} decides it from the whole population.
     */
    default ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        throw new UnsupportedOperationException(name() + " runs cannot be sharded");
    }

    /**
     * Shard side: {@code count} samples from this shard, drawn ∝ mass (unseen samples at the run's
     * highest score, {@code totals.maxMass()}) with probability {@code proportional}, else
     * uniformly in the shard. {@code probabilities[i]} is the sample's probability in the shard
     * as it is now, r_s(i) = proportional · m_i / M_s + (1 − proportional) / N_s; the coordinator
     * multiplies it by the chance it gives the shard to get q_i, and {@code weights} is null (it
     * computes them from q_i with {@link #weight}).
     */
    default Draw drawShard(final int count, final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                           final double proportional, final SplittableRandom random) {
        throw new UnsupportedOperationException(name() + " runs cannot be sharded");
    }

    /** Coordinator side: the weight of a sample drawn with probability q from a run of {@code population}. */
    default float weight(final double q, final int population) {
        throw new UnsupportedOperationException(name() + " runs cannot be sharded");
    }
}
