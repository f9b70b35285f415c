package org.isgd.sampler.policy;

import java.util.List;
import java.util.SplittableRandom;
import org.isgd.contract.CandidateSelection;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * Importance sampling with the gradient-norm upper bound (Katharopoulos &amp; Fleuret 2018):
 * score g_i = gradNormBound = ‖softmax(z) − onehot(y)‖₂, unseen samples at max(g). Importance
 * sampling, q_i = (1 − ε) · g_i / Σ g + ε / N with replacement, weights 1/(N q_i) clipped at
 * maxWeight, is on only while τ &gt; tauThreshold; otherwise q_i = 1/N, weights 1.
 *
 * <p>τ is a bias-corrected exponential average (momentum 0.9, as Adam corrects its moments:
 * a_n = 0.9 a_{n−1} + 0.1 τ_n from a_0 = 0, τ = a_n / (1 − 0.9^n)) over windows of batchSize
 * consecutive reported scores s_1..s_W of τ_w = 1/√(1 − Σ(g_j − u)²/Σ g_j²), g_j = s_j / Σ s,
 * u = 1/W; since Σ g = 1 this is τ_w = √(W · Σ s²) / Σ s (1 for an all-zero window). So τ after
 * the first window is that window's τ_w, and the switch can happen at the first batch drawn after
 * it; before any window is complete there is no estimate (τ reads 1) and draws are uniform. O(1)
 * per prediction. On rebuild the stored scores are replayed through the same windows, in
 * population order.
 *
 * <p>With {@code presample} k &gt; 1 every batch is k·batchSize uniform candidates (phase
 * {@code presample}, q_i = 1/N, weight 1) and the trainer applies the rule above to their fresh
 * bounds ({@link CandidateSelection}); the stored scores then serve the query API and τ's figure.
 */
public final class UpperBoundPolicy extends ScoredPolicy {
    public static final String NAME = "upper-bound";
    public static final String UNIFORM = "uniform";
    public static final String IMPORTANCE = "importance";
    static final double MOMENTUM = 0.9;
    static final Param TAU_THRESHOLD = Param.real("tauThreshold", CandidateSelection.DEFAULT_TAU_THRESHOLD, 0, 1e6,
            "importance sampling is on while the variance-reduction estimate τ exceeds this");
    public static final List<Param> PARAMS = List.of(TAU_THRESHOLD, CommonParams.EPSILON, CommonParams.MAX_WEIGHT,
            CommonParams.SUSPECT_P, CommonParams.SUSPECT_VISITS, CommonParams.SUSPECT_CAP,
            CommonParams.REFERENCE_P, CommonParams.PRESAMPLE);

    private final double tauThreshold;
    private final int presample;
    private final double importanceShare;
    private final double maxWeight;
    private final int window;
    private double windowSum;
    private double windowSumOfSquares;
    private int windowCount;
    /** The uncorrected average a_n, and n, the windows it has seen. */
    private double average;
    private long windows;
    private double tau = 1.0;

    public UpperBoundPolicy(final RunSpec spec) {
        super(NAME, PARAMS, spec, null);
        tauThreshold = params.get(TAU_THRESHOLD);
        importanceShare = 1 - params.get(CommonParams.EPSILON);
        maxWeight = params.get(CommonParams.MAX_WEIGHT);
        window = Math.max(1, spec.getBatchSize());
        presample = (int) params.get(CommonParams.PRESAMPLE);
    }

    @Override
    double score(final SampleState state) {
        return state.gradNormBound();
    }

    @Override
    void observeScore(final double score) {
        super.observeScore(score);
        windowSum += score;
        windowSumOfSquares += score * score;
        if (++windowCount == window) {
            final double windowTau = windowSum > 0 ? Math.sqrt(window * windowSumOfSquares) / windowSum : 1.0;
            average = MOMENTUM * average + (1 - MOMENTUM) * windowTau;
            windows++;
            tau = average / (1 - Math.pow(MOMENTUM, windows));
            windowSum = 0;
            windowSumOfSquares = 0;
            windowCount = 0;
        }
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        if (presample > 1) {
            // K&F's uniform presample: the trainer scores the candidates and resamples by the fresh bound
            return mixtureDraw(presample * batchSize, random, 0.0, maxWeight, CandidateSelection.PHASE);
        }
        final ShardedDraw.Plan plan = windows > 0 ? planFor(tau) : planFor(Double.NEGATIVE_INFINITY);
        return mixtureDraw(batchSize, random, plan.share(), maxWeight, plan.phase());
    }

    /** Not with candidate batches: the sharded draw cuts batches of batchSize. */
    @Override
    public boolean shardable() {
        return presample == 1;
    }

    /** A sharded run switches on the shards' population-weighted mean τ. */
    @Override
    public ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        return planFor(totals.tau());
    }

    @Override
    public Draw drawShard(final int count, final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                          final double proportional, final SplittableRandom random) {
        return shardMixtureDraw(count, random, plan, totals, proportional);
    }

    @Override
    public float weight(final double q, final int population) {
        return clippedWeight(q, population, maxWeight);
    }

    private ShardedDraw.Plan planFor(final double estimate) {
        final boolean importance = estimate > tauThreshold;
        return new ShardedDraw.Plan(importance ? IMPORTANCE : UNIFORM, importance ? importanceShare : 0.0);
    }

    /** The current variance-reduction estimate. */
    @Override
    public java.util.Map<String, Double> stats() {
        return java.util.Map.of("tau", tau, "tauThreshold", tauThreshold);
    }

    @Override
    double tau() {
        return tau;
    }

    /** q_i the next draw would use if τ does not change, for tests and the query API. */
    double probability(final long sampleId) {
        return probabilityOf(sampleId, share());
    }

    private double share() {
        return windows > 0 && tau > tauThreshold ? importanceShare : 0.0;
    }
}
