package org.isgd.sampler.policy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.isgd.contract.CandidateSelection;
import org.isgd.sampler.sampling.RecentQuantiles;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * Selective-Backprop (Jiang et al. 2019), stale variant: walk a uniform permutation of the
 * population (a new one when it runs out) and keep a candidate with probability
 * p_i = ε + (1 − ε) · max(minProb, pct_i^β), pct_i the fraction of the last complete window of
 * {@code history} reported losses (a KLL sketch, see {@link RecentQuantiles}) that are ≤ the
 * candidate's latest loss; a suspect's loss is capped at the median first. Candidates never
 * trained are always kept, and ones registered mid-walk come first. Weights are 1; the reported
 * probability is p_i / N, the chance that sample i is kept from a uniform candidate draw.
 *
 * <p>With {@code presample} k &gt; 1 (Jiang et al.'s own, fresh variant) every batch is the walk's
 * next k·batchSize candidates, unfiltered (phase {@code presample}, q_i = 1/N, weight 1), and the
 * trainer keeps batchSize of them by their fresh losses' percentiles ({@link CandidateSelection}).
 */
public final class SelectiveBackpropPolicy extends ScoredPolicy {
    public static final String NAME = "selective-backprop";
    public static final String PHASE = "selective";
    static final Param MIN_PROB = Param.real("minProb", CandidateSelection.DEFAULT_MIN_PROB, 0, 1,
            "floor of a candidate's keep probability").openBelow();
    static final Param BETA = Param.real("beta", CandidateSelection.DEFAULT_BETA, 0, 100,
            "keep probability = pct(loss)^beta: larger keeps fewer, harder samples");
    static final Param HISTORY = Param.whole("history", CandidateSelection.DEFAULT_HISTORY, 16, RecentQuantiles.MAX_WINDOW,
            "reported losses the loss percentile is taken over");
    /**
     * With published irreducible losses selective-backprop flags at 0.2 and caps every suspect at the
     * lowest recent loss (unless {@code suspectCap} is given): over ten seeds level with uniform
     * under 20 % label noise, where 0.05 with the median cap lost 1.9 points, and +3.7 / +5.0 on a
     * long tail (docs/results/reference-guard).
     */
    static final Param REFERENCE_P = CommonParams.referenceP(0.2);
    /** The suspects' cap once the dataset's irreducible losses are published, unless suspectCap is given. */
    static final double REFERENCE_CAP = 0.0;
    public static final List<Param> PARAMS = List.of(MIN_PROB, BETA, HISTORY, CommonParams.EPSILON,
            CommonParams.SUSPECT_P, CommonParams.SUSPECT_VISITS, CommonParams.SUSPECT_CAP,
            REFERENCE_P, CommonParams.PRESAMPLE);

    /** A sharded run's plan: always the walk. */
    private static final ShardedDraw.Plan WALK = new ShardedDraw.Plan(PHASE, 0);

    private final double minProb;
    private final int presample;
    private final double beta;
    private final double epsilon;
    private final CandidateWalk walk = new CandidateWalk();

    public SelectiveBackpropPolicy(final RunSpec spec) {
        super(NAME, PARAMS, spec, HISTORY, REFERENCE_CAP);
        minProb = params.get(MIN_PROB);
        beta = params.get(BETA);
        epsilon = params.get(CommonParams.EPSILON);
        presample = (int) params.get(CommonParams.PRESAMPLE);
    }

    @Override
    double score(final SampleState state) {
        return state.loss();
    }

    @Override
    void admitted(final int slot) {
        walk.admit(slot);
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        // with presample, the walk's next k·batchSize unfiltered: the trainer keeps by the fresh losses
        return presample > 1 ? walk.candidates(presample * batchSize, pool.size(), pool::idAt, pool::labelAt, random)
                : selective(batchSize, random);
    }

    /** Sharded without candidate batches: each shard walks its samples, the coordinator interleaves the walks. */
    @Override
    public boolean shardable() {
        return presample <= 1;
    }

    @Override
    public boolean walks() {
        return true;
    }

    @Override
    public ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        return WALK;
    }

    /**
     * The shard's part of the walk: its next {@code candidates} candidates, each kept with p_i
     * (the shard's recent losses give the percentile; its samples are a hash split of the run's).
     */
    @Override
    public Walk walkShard(final int candidates, final ShardedDraw.Plan plan, final SplittableRandom random) {
        final KeptCandidates kept = new KeptCandidates(candidates);
        for (int c = 0; c < candidates; c++) {
            final int slot = walk.next(pool.size(), random);
            final double keep = keepProbability(slot);
            if (random.nextDouble() < keep) {
                kept.keep(pool.idAt(slot), pool.labelAt(slot), keep, c);
            }
        }
        return kept.walk(PHASE);
    }

    /** Weight 1, as on one task. */
    @Override
    public float weight(final double q, final int population) {
        return 1f;
    }

    private Draw selective(final int batchSize, final SplittableRandom random) {
        final long[] ids = new long[batchSize];
        final int[] labels = new int[batchSize];
        final float[] weights = new float[batchSize];
        final double[] probabilities = new double[batchSize];
        Arrays.fill(weights, 1f);
        int kept = 0;
        while (kept < batchSize) {
            final int slot = walk.next(pool.size(), random);
            final double keep = keepProbability(slot);
            if (random.nextDouble() < keep) {
                ids[kept] = pool.idAt(slot);
                labels[kept] = pool.labelAt(slot);
                probabilities[kept++] = keep / pool.size();
            }
        }
        return new Draw(ids, labels, weights, probabilities, PHASE);
    }

    /** p_i of the class comment. */
    double keepProbability(final int slot) {
        if (!pool.seen(slot)) {
            return 1.0;
        }
        final double pct = recentScores.rank(pool.massAt(slot));
        return epsilon + (1 - epsilon) * Math.max(minProb, Math.pow(pct, beta));
    }

    double keepProbability(final long sampleId) {
        return keepProbability(pool.slot(sampleId));
    }

    /** Candidates walked so far; kept / candidates is the keep rate. */
    long candidates() {
        return walk.walked();
    }
}
