package org.isgd.sampler.policy;

import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.isgd.sampler.sampling.EpochQueue;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * InfoBatch (Qin et al. 2024): epochs without replacement. At the start of an epoch a sample
 * whose latest loss is below the mean (the mean over samples with a loss; a suspect's loss
 * capped at the median) is dropped with probability r = pruneRatio; the kept ones of those get
 * weight min(maxWeight, 1/(1 − r)), all others weight 1. From batch ⌈(1 − annealFraction) ·
 * budgetBatches⌉ on (never when the budget is null) every epoch uses all samples with weight 1;
 * the pruned epoch under way then is cut short. Samples registered mid-epoch are served next.
 *
 * <p>Reported probability: the share of the epoch's expected draws that fall on the sample,
 * (1 − d_i) / (N − r · B), d_i = r for below-mean samples and 0 otherwise, B = #below-mean; 1/N
 * while annealing. An epoch interrupted by a restart is not resumed: the rebuilt policy starts a
 * fresh one from the stored losses.
 */
public final class InfoBatchPolicy extends ScoredPolicy {
    public static final String NAME = "infobatch";
    public static final String PRUNE = "prune";
    public static final String ANNEAL = "anneal";
    static final Param PRUNE_RATIO = Param.real("pruneRatio", 0.5, 0, 1,
            "probability that a below-mean-loss sample is left out of an epoch").openAbove();
    static final Param ANNEAL_FRACTION = Param.real("annealFraction", 0.125, 0, 1,
            "last fraction of budgetBatches trained on all samples, unweighted");
    public static final List<Param> PARAMS = List.of(PRUNE_RATIO, ANNEAL_FRACTION, CommonParams.MAX_WEIGHT,
            CommonParams.SUSPECT_P, CommonParams.SUSPECT_VISITS, CommonParams.SUSPECT_CAP,
            CommonParams.REFERENCE_P);

    private final double pruneRatio;
    private final float keptWeight;
    private final long annealFrom;
    private final EpochQueue epoch = new EpochQueue();
    private final BitSet upweighted = new BitSet();
    /** The samples the epoch leaves out (on a shard's walk: candidates that are not kept). */
    private final BitSet pruned = new BitSet();
    private boolean annealing;
    private double expectedDraws = 1;
    private int lastPruned;

    public InfoBatchPolicy(final RunSpec spec) {
        super(NAME, PARAMS, spec, null);
        pruneRatio = params.get(PRUNE_RATIO);
        keptWeight = (float) Math.min(params.get(CommonParams.MAX_WEIGHT), 1 / (1 - pruneRatio));
        final Long budget = spec.getBudgetBatches();
        annealFrom = budget == null ? Long.MAX_VALUE
                : (long) Math.ceil((1 - params.get(ANNEAL_FRACTION)) * budget);
    }

    @Override
    double score(final SampleState state) {
        return state.loss();
    }

    @Override
    void admitted(final int slot) {
        epoch.admit(slot);
        expectedDraws++;
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        final boolean anneal = batchSeq >= annealFrom;
        if (anneal && !annealing) {
            epoch.clear();
        }
        annealing = anneal;
        final long[] ids = new long[batchSize];
        final int[] labels = new int[batchSize];
        final float[] weights = new float[batchSize];
        final double[] probabilities = new double[batchSize];
        for (int i = 0; i < batchSize; i++) {
            if (epoch.isEmpty()) {
                startEpoch(random);
            }
            final int slot = epoch.poll();
            final boolean up = !annealing && upweighted.get(slot);
            ids[i] = pool.idAt(slot);
            labels[i] = pool.labelAt(slot);
            weights[i] = up ? keptWeight : 1f;
            probabilities[i] = annealing ? 1.0 / pool.size() : (up ? 1 - pruneRatio : 1.0) / expectedDraws;
        }
        return new Draw(ids, labels, weights, probabilities, annealing ? ANNEAL : PRUNE);
    }

    private void startEpoch(final SplittableRandom random) {
        final int n = pool.size();
        final int below = prune(random);
        final int[] kept = new int[n];
        int count = 0;
        for (int slot = 0; slot < n; slot++) {
            if (!pruned.get(slot)) {
                kept[count++] = slot;
            }
        }
        expectedDraws = n - pruneRatio * below;
        epoch.start(kept, count, random);
    }

    /**
     * An epoch's pruning: each seen sample whose loss is below the mean is left out with
     * probability r ({@link #pruned}), the kept ones of those are {@link #upweighted}; none while
     * annealing. Returns how many were below the mean.
     */
    private int prune(final SplittableRandom random) {
        final double mean = pool.seenCount() == 0 ? 0 : pool.seenTotal() / pool.seenCount();
        int below = 0;
        pruned.clear();
        upweighted.clear();
        for (int slot = 0; slot < pool.size(); slot++) {
            if (!annealing && pool.seen(slot) && pool.massAt(slot) < mean) {
                below++;
                if (random.nextDouble() < pruneRatio) {
                    pruned.set(slot);
                } else {
                    upweighted.set(slot);
                }
            }
        }
        lastPruned = pruned.cardinality();
        return below;
    }

    // ---- sharded: the run's epochs as one walk interleaved from the shards' walks ----

    private static final ShardedDraw.Plan PRUNE_PLAN = new ShardedDraw.Plan(PRUNE, 0);
    private static final ShardedDraw.Plan ANNEAL_PLAN = new ShardedDraw.Plan(ANNEAL, 0);
    @Override
    public boolean shardable() {
        return true;
    }

    @Override
    public boolean walks() {
        return true;
    }

    @Override
    public ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        return batchSeq >= annealFrom ? ANNEAL_PLAN : PRUNE_PLAN;
    }

    /**
     * The shard's part of the run's epochs: a walk over every sample of the shard, where a sample
     * the epoch leaves out is a candidate not kept, so the coordinator's interleaving keeps the
     * shards' epochs together. At the start of the shard's epoch a sample whose loss is below the
     * mean of the shard's samples is left out with probability r; a kept one of those has keep
     * probability 1 − r (its weight min(maxWeight, 1/(1 − r))), every other sample 1. While
     * annealing every sample is kept.
     */
    @Override
    public Walk walkShard(final int candidates, final ShardedDraw.Plan plan, final SplittableRandom random) {
        final boolean anneal = ANNEAL.equals(plan.phase());
        if (anneal != annealing) {
            epoch.clear(); // the pruned epoch under way is cut short, as on one task
            annealing = anneal;
        }
        final KeptCandidates kept = new KeptCandidates(candidates);
        for (int c = 0; c < candidates; c++) {
            if (epoch.isEmpty()) {
                startWalkEpoch(random);
            }
            final int slot = epoch.poll();
            if (annealing || !pruned.get(slot)) {
                kept.keep(pool.idAt(slot), pool.labelAt(slot), !annealing && upweighted.get(slot) ? 1 - pruneRatio
                        : 1.0, c);
            }
        }
        return kept.walk(annealing ? ANNEAL : PRUNE);
    }

    /** A shard's epoch: every sample in a random order; below-mean ones left out with probability r. */
    private void startWalkEpoch(final SplittableRandom random) {
        prune(random);
        final int[] slots = new int[pool.size()];
        java.util.Arrays.setAll(slots, slot -> slot);
        epoch.start(slots, slots.length, random);
    }

    /**
     * A sharded batch reports q_i = p_i / N (p_i = 1 − r for a kept below-mean sample, else 1):
     * the weight follows from it as on one task.
     */
    @Override
    public float weight(final double q, final int population) {
        return q * population < 1 - 1e-9 ? keptWeight : 1f;
    }

    /** Samples the latest epoch left out. */
    int lastPruned() {
        return lastPruned;
    }
}
