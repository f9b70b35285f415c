package org.isgd.sampler.policy;

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

    /** Number of samples in the run's population. */
    int population();

    /**
     * Draws batch {@code batchSeq} of {@code batchSize} samples. Called with consecutive
     * batchSeqs; only with a non-empty population.
     */
    Draw draw(long batchSeq, int batchSize, SplittableRandom random);

    /**
     * Samples flagged as possibly mislabelled by the policy's noise guard, by id; empty for
     * policies without one. A snapshot, not a live view.
     */
    /** Figures a policy reports about itself for the query API and metrics, e.g. {@code tau}. */
    default java.util.Map<String, Double> stats() {
        return java.util.Map.of();
    }

    default java.util.Set<Long> suspects() {
        return java.util.Set.of();
    }

    /** One drawn batch. */
    record Draw(long[] sampleIds, float[] weights, double[] probabilities, String phase) {
    }
}
