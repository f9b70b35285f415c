package org.isgd.sampler.policy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntToLongFunction;
import java.util.function.IntUnaryOperator;
import org.isgd.contract.CandidateSelection;
import org.isgd.sampler.sampling.EpochQueue;

/**
 * A walk over uniform permutations of a population, a new one whenever the last runs out
 * (newcomers first): the candidate order of selective-backprop and rho-loss.
 */
final class CandidateWalk {
    private final EpochQueue walk = new EpochQueue();
    private long walked;

    /** A sample joined the population. */
    void admit(final int slot) {
        walk.admit(slot);
    }

    /** The next slot of a population of {@code size}. */
    int next(final int size, final SplittableRandom random) {
        if (walk.isEmpty()) {
            final int[] slots = new int[size];
            Arrays.setAll(slots, i -> i);
            walk.start(slots, size, random);
        }
        walked++;
        return walk.poll();
    }

    /** Slots handed out so far. */
    long walked() {
        return walked;
    }

    /**
     * The walk's next {@code count} samples, unfiltered, as a candidate batch: phase
     * {@code presample}, q_i = 1/size, weight 1 (the trainer selects by fresh scores).
     */
    SamplingPolicy.Draw candidates(final int count, final int size, final IntToLongFunction idAt,
                                   final IntUnaryOperator labelAt, final SplittableRandom random) {
        final long[] ids = new long[count];
        final int[] labels = new int[count];
        final float[] weights = new float[count];
        final double[] probabilities = new double[count];
        Arrays.fill(weights, 1f);
        Arrays.fill(probabilities, 1.0 / size);
        for (int i = 0; i < count; i++) {
            final int slot = next(size, random);
            ids[i] = idAt.applyAsLong(slot);
            labels[i] = labelAt.applyAsInt(slot);
        }
        return new SamplingPolicy.Draw(ids, labels, weights, probabilities, CandidateSelection.PHASE);
    }
}
