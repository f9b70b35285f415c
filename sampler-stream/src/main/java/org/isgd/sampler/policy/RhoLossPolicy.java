package org.isgd.sampler.policy;

import java.util.List;
import java.util.SplittableRandom;
import org.isgd.contract.CandidateSelection;
import org.isgd.schemas.RunSpec;

/**
 * Reducible holdout loss selection (RHO-LOSS, Mindermann et al. 2022), with candidate batches
 * only: every batch is the next {@code presample}·batchSize samples of a uniform permutation of
 * the population (a new one each epoch; newcomers first), phase {@code presample}, q_i = 1/N,
 * weight 1. The trainer scores them with a forward pass and trains the batchSize of highest
 * reducible loss, its loss minus the sample's irreducible loss read from
 * {@code isgd.irreducible-losses} ({@link CandidateSelection}); the sampler needs neither.
 */
public final class RhoLossPolicy extends UniformPolicy {
    public static final String NAME = CandidateSelection.RHO_LOSS;
    static final Param PRESAMPLE = Param.whole(CandidateSelection.PRESAMPLE, CandidateSelection.DEFAULT_RHO_PRESAMPLE, 2,
            CandidateSelection.MAX_PRESAMPLE, "candidates per trained sample: batches carry presample·batchSize "
                    + "candidates, of which the trainer trains the batchSize of highest reducible loss");
    public static final List<Param> PARAMS = List.of(PRESAMPLE);

    private final int presample;
    private final CandidateWalk walk = new CandidateWalk();

    public RhoLossPolicy(final RunSpec spec) {
        super(NAME, PARAMS, spec);
        presample = (int) params.get(PRESAMPLE);
    }

    @Override
    void admitted(final int slot) {
        walk.admit(slot);
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        return walk.candidates(presample * batchSize, pool.size(), pool::idAt, pool::labelAt, random);
    }

    /** Candidate batches are not cut by the sharded draw. */
    @Override
    public boolean shardable() {
        return false;
    }
}
