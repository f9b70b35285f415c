package org.isgd.sampler.policy;

import it.unimi.dsi.fastutil.doubles.DoubleArrayList;
import it.unimi.dsi.fastutil.ints.Int2DoubleOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.sampling.RecentQuantiles;
import org.isgd.sampler.sampling.ScoredPool;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * What the score-based policies share: the population with one score per sample (unseen samples
 * count at the highest score), a sketch of recently reported scores, the noise guard, and the
 * weighted mixture draw. A subclass says how a prediction becomes a score and how a batch is drawn.
 *
 * <p>A sample's mass is its latest score, or min(score, the {@code suspectCap} quantile of recent scores, by
 * default the median; a policy may cap lower once irreducible losses are applied) while it is a suspect; the cap
 * is applied when the sample's own score or flag changes.
 */
abstract class ScoredPolicy implements SamplingPolicy {
    /** Recent scores behind the median used by the noise guard. */
    static final int GUARD_HISTORY = 1024;

    protected final RunSpec spec;
    protected final PolicyParams params;
    private final String name;
    protected final ScoredPool pool = new ScoredPool(1024);
    protected final RecentQuantiles recentScores;
    private final NoiseGuard guard;
    /** The quantile of recent scores a suspect's score is capped at. */
    private final double suspectCap;
    /** The same once the dataset's irreducible losses are applied (suspectCap when it is given). */
    private final double referenceCap;
    /**
     * A sample the reference model gives its label less than this share of the probability it gives
     * the label's median sample is a suspect (0: off).
     */
    private final double referenceP;
    /** The dataset's irreducible losses last applied, or null. */
    private ReferenceLosses reference;
    /**
     * Per label, the (lower) median irreducible loss of the population's samples with that label, as
     * of the last losses applied; samples registered later are judged against it.
     */
    private final Int2DoubleOpenHashMap medianLoss = new Int2DoubleOpenHashMap();
    /**
     * The uncapped score of each flagged sample, whose mass is capped at the median. Every other
     * sample's uncapped score is its mass in the pool: no array of scores beside the masses (80 MB
     * at 10M samples).
     */
    private final Int2DoubleOpenHashMap capped = new Int2DoubleOpenHashMap();

    /**
     * @param history the declared parameter that sets how many recent scores the sketch covers,
     *     or null for {@link #GUARD_HISTORY}
     */
    ScoredPolicy(final String name, final List<Param> declared, final RunSpec spec, final Param history) {
        this(name, declared, spec, history, Double.NaN);
    }

    /**
     * @param referenceCap the suspects' cap once irreducible losses are applied, unless the spec
     *     gives suspectCap; NaN: suspectCap's, with or without losses
     */
    ScoredPolicy(final String name, final List<Param> declared, final RunSpec spec, final Param history,
                 final double referenceCap) {
        this.name = name;
        this.spec = spec;
        this.params = PolicyParams.of(name, declared, spec.getParams());
        this.recentScores = new RecentQuantiles(history == null ? GUARD_HISTORY : params.getInt(history));
        this.guard = new NoiseGuard(params.get(CommonParams.SUSPECT_P), params.getInt(CommonParams.SUSPECT_VISITS));
        this.suspectCap = params.get(CommonParams.SUSPECT_CAP);
        this.referenceCap = params.given(CommonParams.SUSPECT_CAP) || Double.isNaN(referenceCap) ? suspectCap
                : referenceCap;
        this.referenceP = params.get(CommonParams.REFERENCE_P);
    }

    @Override
    public final String name() {
        return name;
    }

    /** The score of a sample in this state (≥ 0, finite). */
    abstract double score(SampleState state);

    /** Whether suspicious visits count now (false during a warm-up). */
    boolean guardActive() {
        return true;
    }

    /** Whether a sample's score is fixed and new predictions must not change it (a frozen policy). */
    boolean scoreFixed(final int slot) {
        return false;
    }

    /** Every reported score, from predictions and from stored states on rebuild, in arrival order. */
    void observeScore(final double score) {
        recentScores.update(score);
    }

    /** A sample joined the population. */
    void admitted(final int slot) {
    }

    @Override
    public final void put(final long sampleId, final int label, final SampleState state) {
        final int known = pool.slot(sampleId);
        final int slot = pool.put(sampleId, label);
        if (known < 0) {
            admitted(slot);
            if (reference != null) {
                checkReference(slot);
            }
        } else if (state != null && state.label() != label) {
            guard.forget(slot, sampleId);
            capped.remove(slot);
        }
        if (state != null) {
            final double score = score(state);
            observeScore(score);
            guard.restore(slot, sampleId, state);
            refresh(slot, score);
        }
    }

    @Override
    public final void update(final long sampleId, final SampleState before, final SampleState after) {
        int slot = pool.slot(sampleId);
        if (slot < 0) {
            put(sampleId, after.label(), null);
            slot = pool.slot(sampleId);
        }
        final double score = score(after);
        observeScore(score);
        final boolean flagChanged = guardActive() && guard.observe(slot, sampleId, after);
        if (!scoreFixed(slot)) {
            refresh(slot, score);
        } else if (flagChanged) {
            refresh(slot, uncapped(slot)); // a fixed score capped or uncapped
        }
    }

    /**
     * Flags the samples whose irreducible loss exceeds their label's median by more than
     * −ln(referenceP): the reference model gives their label less than referenceP of what it gives
     * a typical sample of the label. Relative to the label, not absolute, so that a rare class the
     * reference model is unsure of as a whole (a long tail) is not taken for mislabelled.
     */
    @Override
    public final void reference(final ReferenceLosses losses) {
        if (referenceP <= 0 || losses == null) {
            return;
        }
        reference = losses;
        final Int2ObjectOpenHashMap<DoubleArrayList> byLabel = new Int2ObjectOpenHashMap<>();
        for (int slot = 0; slot < pool.size(); slot++) {
            final float loss = losses.loss(pool.idAt(slot));
            if (!Float.isNaN(loss)) {
                byLabel.computeIfAbsent(pool.labelAt(slot), l -> new DoubleArrayList()).add(loss);
            }
        }
        medianLoss.clear();
        byLabel.forEach((label, values) -> {
            final double[] sorted = values.toDoubleArray();
            java.util.Arrays.sort(sorted);
            medianLoss.put((int) label, sorted[(sorted.length - 1) / 2]); // the lower median: a sample's own value
        });
        for (int slot = 0; slot < pool.size(); slot++) {
            checkReference(slot);
        }
    }

    /** Flags or unflags the sample in {@code slot} by its irreducible loss against its label's median. */
    private void checkReference(final int slot) {
        final float loss = reference.loss(pool.idAt(slot));
        final int label = pool.labelAt(slot);
        final boolean suspect = !Float.isNaN(loss) && medianLoss.containsKey(label)
                && Math.exp(medianLoss.get(label) - loss) < referenceP;
        if (guard.reference(slot, pool.idAt(slot), suspect) && pool.seen(slot)) {
            refresh(slot, uncapped(slot)); // an unseen sample is capped at its first score
        }
    }

    /** The latest uncapped score of a seen sample (in {@link #capped} exactly while its mass is capped). */
    private double uncapped(final int slot) {
        return capped.containsKey(slot) ? capped.get(slot) : pool.massAt(slot);
    }

    /** Sets the sample's mass from its uncapped score: the score, or for a flagged sample at most the cap quantile. */
    private void refresh(final int slot, final double score) {
        if (guard.flagged(slot)) {
            capped.put(slot, score);
            // the median only matters for a suspect: most updates never compute it
            pool.setMass(slot, Math.min(score, recentScores.quantile(reference == null ? suspectCap : referenceCap)));
        } else {
            if (!capped.isEmpty()) {
                capped.remove(slot);
            }
            pool.setMass(slot, score);
        }
    }

    @Override
    public void reserve(final int expectedPopulation) {
        pool.reserve(expectedPopulation);
        guard.reserve(expectedPopulation);
    }

    @Override
    public int population() {
        return pool.size();
    }

    @Override
    public int slotOf(final long sampleId) {
        return pool.slot(sampleId);
    }

    @Override
    public long idAt(final int slot) {
        return pool.idAt(slot);
    }

    @Override
    public int labelAt(final int slot) {
        return pool.labelAt(slot);
    }

    @Override
    public int labelOf(final long sampleId) {
        final int slot = pool.slot(sampleId);
        return slot < 0 ? -1 : pool.labelAt(slot);
    }

    @Override
    public long touch(final int slot) {
        return guard.touch(slot) ^ pool.touch(slot);
    }

    @Override
    public Set<Long> suspects() {
        return guard.suspects();
    }

    @Override
    public boolean isSuspect(final long sampleId) {
        return guard.isSuspect(sampleId);
    }

    /** The unbiased weight 1/(N·q), clipped at {@code maxWeight}. */
    final float clippedWeight(final double q, final double maxWeight) {
        return clippedWeight(q, pool.size(), maxWeight);
    }

    static float clippedWeight(final double q, final int population, final double maxWeight) {
        return (float) Math.min(maxWeight, 1.0 / (population * q));
    }

    /** The variance-reduction estimate τ a shard reports; 0 for policies without one. */
    double tau() {
        return 0;
    }

    @Override
    public ShardedDraw.Summary summary() {
        return new ShardedDraw.Summary(pool.size(), pool.seenTotal(), pool.size() - pool.seenCount(), pool.maxMass(),
                tau());
    }

    /**
     * {@link SamplingPolicy#drawShard} for the score-based policies: each draw ∝ mass (unseen
     * samples at the run's maximum) with probability {@code proportional}, else uniform in the
     * shard; probabilities are in the shard, weights null.
     */
    final Draw shardMixtureDraw(final int count, final SplittableRandom random, final ShardedDraw.Plan plan,
                                final ShardedDraw.Totals totals, final double proportional) {
        final double unseenMass = totals.maxMass();
        final double shardMass = pool.total(unseenMass);
        final long[] ids = new long[count];
        final int[] labels = new int[count];
        final double[] probabilities = new double[count];
        for (int i = 0; i < count; i++) {
            final int slot = shardMass > 0 && random.nextDouble() < proportional
                    ? pool.proportionalSlot(random, unseenMass) : pool.uniformSlot(random);
            ids[i] = pool.idAt(slot);
            labels[i] = pool.labelAt(slot);
            probabilities[i] = shardMass > 0
                    ? proportional * pool.massAt(slot, unseenMass) / shardMass + (1 - proportional) / pool.size()
                    : 1.0 / pool.size();
        }
        return new Draw(ids, labels, null, probabilities, plan.phase());
    }

    /**
     * A batch from the mixture q_i = share · m_i / M + (1 − share) / N with replacement, weights
     * 1/(N·q_i) clipped at {@code maxWeight}.
     */
    final Draw mixtureDraw(final int batchSize, final SplittableRandom random, final double share,
                           final double maxWeight, final String phase) {
        final long[] ids = new long[batchSize];
        final int[] labels = new int[batchSize];
        final float[] weights = new float[batchSize];
        final double[] probabilities = new double[batchSize];
        final int[] slots = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            slots[i] = pool.mixtureSlot(random, share);
        }
        // then each drawn slot's id, label and mass: in loops of their own, so that the cache misses
        // of a large population's arrays overlap across the batch instead of queueing per draw
        for (int i = 0; i < batchSize; i++) {
            ids[i] = pool.idAt(slots[i]);
        }
        for (int i = 0; i < batchSize; i++) {
            labels[i] = pool.labelAt(slots[i]);
        }
        for (int i = 0; i < batchSize; i++) {
            probabilities[i] = pool.probability(slots[i], share);
            weights[i] = clippedWeight(probabilities[i], maxWeight);
        }
        return new Draw(ids, labels, weights, probabilities, phase);
    }

    /** The sampling mass (capped score) of a sample; the highest score for an unseen one. */
    final double massOf(final long sampleId) {
        return pool.massAt(pool.slot(sampleId));
    }

    /** q of one sample under the mixture with the given share; for tests and the query API. */
    final double probabilityOf(final long sampleId, final double share) {
        return pool.probability(pool.slot(sampleId), share);
    }
}
