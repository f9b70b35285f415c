package org.isgd.sampler.policy;

import java.util.List;
import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * SGD biased towards early important samples (Quercia et al. 2023; Arazo et al.'s p-SGD):
 * uniform draws while batchSeq · batchSize &lt; warmupEpochs · N, then, with replacement,
 * q_i = (1 − ε) · (s_i + c · mean(s)) / (S · (1 + c)) + ε / N with s_i = 1 − pCorrect_i,
 * S = Σ s, c = smoothing; unseen samples count at max(s). That is a mixture: with probability
 * (1 − ε)/(1 + c) a draw ∝ s_i from the sum tree, else a uniform draw; O(log N) per prediction
 * and per drawn sample. Weights 1/(N q_i) clipped at maxWeight.
 *
 * <p>With freeze = 1 a sample's score is fixed once it has one at the end of warm-up (samples
 * without a score then take their first later one); the noise guard may still cap it. A policy
 * rebuilt after a restart cannot tell the warm-up scores from later ones (the store keeps only the
 * latest state): it freezes the latest stored scores.
 */
public final class EarlyImportancePolicy extends ScoredPolicy {
    public static final String NAME = "early-importance";
    public static final String WARMUP = "warmup";
    public static final String IMPORTANCE = "importance";
    static final Param WARMUP_EPOCHS = Param.real("warmupEpochs", 2, 0, 1e6,
            "epochs (N draws each) of uniform draws before importance sampling starts");
    static final Param SMOOTHING = Param.real("smoothing", 1.0, 0, 1e6,
            "c in q_i ∝ s_i + c·mean(s): larger is closer to uniform");
    static final Param FREEZE = Param.whole("freeze", 0, 0, 1,
            "1 = scores computed once at the end of warm-up, 0 = updated from every prediction");
    public static final List<Param> PARAMS = List.of(WARMUP_EPOCHS, SMOOTHING, FREEZE, CommonParams.EPSILON,
            CommonParams.MAX_WEIGHT, CommonParams.SUSPECT_P, CommonParams.SUSPECT_VISITS, CommonParams.SUSPECT_CAP,
            CommonParams.REFERENCE_P);

    private final double warmupEpochs;
    private final double importanceShare;
    private final boolean freeze;
    private final double maxWeight;
    private boolean warmingUp;
    private boolean frozen;

    public EarlyImportancePolicy(final RunSpec spec) {
        super(NAME, PARAMS, spec, null);
        warmupEpochs = params.get(WARMUP_EPOCHS);
        importanceShare = (1 - params.get(CommonParams.EPSILON)) / (1 + params.get(SMOOTHING));
        freeze = params.getInt(FREEZE) == 1;
        maxWeight = params.get(CommonParams.MAX_WEIGHT);
        warmingUp = warmupEpochs > 0;
    }

    @Override
    double score(final SampleState state) {
        return 1.0 - state.pCorrect();
    }

    @Override
    boolean guardActive() {
        return !warmingUp;
    }

    @Override
    boolean scoreFixed(final int slot) {
        return frozen && pool.seen(slot);
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        enter(warmingUp(batchSeq, batchSize, population()));
        return mixtureDraw(batchSize, random, share(), maxWeight, warmingUp ? WARMUP : IMPORTANCE);
    }

    @Override
    public boolean shardable() {
        return true;
    }

    @Override
    public ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        final boolean warmup = warmingUp(batchSeq, batchSize, totals.population());
        return new ShardedDraw.Plan(warmup ? WARMUP : IMPORTANCE, warmup ? 0.0 : importanceShare);
    }

    @Override
    public Draw drawShard(final int count, final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                          final double proportional, final SplittableRandom random) {
        enter(WARMUP.equals(plan.phase()));
        return shardMixtureDraw(count, random, plan, totals, proportional);
    }

    @Override
    public float weight(final double q, final int population) {
        return clippedWeight(q, population, maxWeight);
    }

    private boolean warmingUp(final long batchSeq, final int batchSize, final int population) {
        return (double) batchSeq * batchSize < warmupEpochs * population;
    }

    private void enter(final boolean warmup) {
        warmingUp = warmup;
        frozen = freeze && !warmup;
    }

    /** q_i the next draw would use, for tests and the query API. */
    double probability(final long sampleId) {
        return probabilityOf(sampleId, share());
    }

    private double share() {
        return warmingUp ? 0.0 : importanceShare;
    }
}
