package org.isgd.sampler.run;


import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs one sampler task owns, without Kafka: it registers runs from their specs, takes in
 * the samples that join them, applies prediction batches (each also the acknowledgement of the
 * batch it answers) and the older per-sample predictions and acknowledgements, and draws each
 * run's batches as flow control allows. A prediction batch travels from {@link #predictionBatch}
 * through {@link Run#apply} (one journal write) and {@link Run#emitReady} to the {@link Output}
 * in one call. Every method returns null or the reason a record is refused ("kind: text", the
 * dead letter's reason). Not thread-safe: the stream thread owns it.
 */
public final class RunTable {
    static final Logger LOG = LoggerFactory.getLogger(RunTable.class);
    public static final String UNKNOWN_RUN = "unknown-run";
    public static final String INVALID_RUN = "invalid-run-spec";
    public static final String EMPTY_BATCH = "empty-batch";
    public static final String OVERSIZED = "oversized";
    /**
     * Rows a prediction batch may have per sample of the batch it answers: a trainer that scores
     * candidates reports more rows than it trained, but not beyond this many times the batch size.
     */
    public static final int MAX_ROWS_PER_SAMPLE = 64;
    /** Journal entries one run deletes per {@link #tick} at most, so pruning never stalls the thread. */
    static final int PRUNE_PER_TICK = 256;

    /** Where a table's output goes. */
    public interface Output {
        /** A batch for a trainer. */
        void batch(IndexBatchCodec.Batch batch);

        /** A run spec that cannot be run, with the reason; reported once per spec. */
        void refused(RunSpec spec, String reason);
    }

    private final RunStorage storage;
    private final RunSettings settings;
    private final RunListener listener;
    private final Map<String, Run> runs = new HashMap<>();
    private final Set<RunSpec> refused = new HashSet<>();

    /** The irreducible losses of a dataset, or null: read by the runs' noise guards at every tick. */
    private final Function<String, ReferenceLosses> references;
    /**
     * How many shards each run has: 1, or S for a table of one shard of every sharded run (whose
     * coordinators draw the batches, not this table).
     */
    private final int shards;

    public RunTable(final RunStorage storage, final RunSettings settings, final RunListener listener) {
        this(storage, settings, listener, dataset -> null);
    }

    public RunTable(final RunStorage storage, final RunSettings settings, final RunListener listener,
                    final Function<String, ReferenceLosses> references) {
        this(storage, settings, listener, references, 1);
    }

    private RunTable(final RunStorage storage, final RunSettings settings, final RunListener listener,
                     final Function<String, ReferenceLosses> references, final int shards) {
        this.shards = shards;
        this.storage = storage;
        this.settings = settings;
        this.listener = listener;
        this.references = references;
    }

    /**
     * A table of one shard of every sharded run: it keeps each run's samples of the shard, applies
     * their rows of each prediction batch and draws what the run's coordinator grants; it never
     * draws batches itself. A prediction batch part is recognised as applied by (rank, batchSeq),
     * as the coordinator recognises the acknowledgement.
     */
    public static RunTable shard(final RunStorage storage, final RunSettings settings, final RunListener listener,
                                 final Function<String, ReferenceLosses> references, final int shards) {
        if (shards < 2) {
            throw new IllegalArgumentException("a sharded run has at least 2 shards, not " + shards);
        }
        return new RunTable(storage, settings, listener, references, shards);
    }

    /** Rebuilds every stored run that {@code owned} accepts (the others belong to other tasks now). */
    public void restore(final Collection<RunProgress> stored, final Predicate<String> owned, final long now) {
        runs.clear();
        refused.clear();
        for (final RunProgress progress : stored) {
            final String runId = progress.spec().getRunId();
            final String problem = checkSpec(progress.spec());
            if (!owned.test(runId)) {
                continue;
            }
            if (problem != null) {
                LOG.error("not restoring run {}: {}", runId, problem); // accepted by an older version
                continue;
            }
            final long start = System.nanoTime();
            final Run run = Run.restore(progress, storage, settings, shards, now);
            runs.put(runId, run);
            LOG.info("restored run {} at batch {} with {} samples in {} ms (journal {} entries after the checkpoint)",
                    runId, progress.nextBatchSeq(), run.population(), (System.nanoTime() - start) / 1_000_000,
                    progress.journal().next() - progress.journal().checkpoint());
        }
    }

    /** The runs this table holds. */
    public Set<String> runIds() {
        return runs.keySet();
    }

    public boolean has(final String runId) {
        return runs.containsKey(runId);
    }

    /** The dataset of a run this table holds, or null. */
    public String datasetOf(final String runId) {
        final Run run = runs.get(runId);
        return run == null ? null : run.spec().getDataset();
    }

    // ---- specs ----

    /** Creates, updates or refuses a run from its spec on isgd.runs, then emits what it may. */
    public void applySpec(final RunSpec spec, final long now, final Output out) {
        final Run known = runs.get(spec.getRunId());
        if (known != null && known.spec().equals(spec)) {
            return;
        }
        if (refused.contains(spec)) {
            return;
        }
        final String problem = checkSpec(spec);
        if (problem != null) {
            refused.add(spec);
            if (known != null) {
                LOG.warn("run {}: ignoring an invalid update ({})", spec.getRunId(), problem);
            }
            listener.deadLetter(problem);
            out.refused(spec, problem);
            return;
        }
        if (known == null) {
            final Run run = Run.start(spec, storage, settings, shards, now);
            runs.put(spec.getRunId(), run);
            LOG.info("run {} started: policy {} on dataset {}", spec.getRunId(), spec.getPolicy(), spec.getDataset());
        } else {
            known.updateSpec(spec);
            LOG.info("run {} updated: state {}", spec.getRunId(), spec.getState());
        }
        final Run run = runs.get(spec.getRunId());
        emit(run, now, out); // a resumed run may release batches: saved after them, as everywhere
        run.save();
    }

    /** Why a spec cannot be run ("invalid-run-spec: ..."), or null. */
    public static String checkSpec(final RunSpec spec) {
        final String runId = spec.getRunId();
        if (runId == null || runId.isEmpty() || runId.indexOf('/') >= 0) {
            return INVALID_RUN + ": runId must be non-empty and without '/', was '" + runId + "'";
        }
        final String policyProblem = Policies.check(spec);
        if (policyProblem != null) {
            return INVALID_RUN + ": " + policyProblem;
        }
        if (spec.getBatchSize() <= 0 || spec.getWorldSize() <= 0 || spec.getLead() < 0) {
            return INVALID_RUN + ": batchSize and worldSize must be > 0 and lead >= 0, were " + spec.getBatchSize()
                    + ", " + spec.getWorldSize() + ", " + spec.getLead();
        }
        return null;
    }

    // ---- inputs ----

    /**
     * Samples of the run's dataset, from position {@code fromSeq} of the dataset's population log;
     * {@code grewAt} is when the dataset last grew (a new run waits for registrations to pause).
     */
    public String samples(final String runId, final long fromSeq, final long[] ids, final int[] labels,
                          final long grewAt, final long now, final Output out) {
        final Run run = runs.get(runId);
        if (run == null) {
            return unknownRun(runId);
        }
        run.addSamples(fromSeq, ids, labels, grewAt, now);
        emit(run, now, out); // the population that completes a run releases its first batches:
        run.save();          // saved after, so the batches and the progress that emitted them commit together
        return null;
    }

    /**
     * A trainer rank's prediction batch: the acknowledgement of batch {@code batchSeq} and one row
     * per scored sample. A batch already acknowledged is a redelivery, ignored and counted.
     */
    public String predictionBatch(final PredictionRows rows, final long now, final Output out) {
        final String runId = rows.header().getRunId();
        final Run run = runs.get(runId);
        if (run == null) {
            return unknownRun(runId);
        }
        final int rank = rows.header().getRank();
        final long batchSeq = rows.header().getBatchSeq();
        final String ackProblem = holdsShards() ? run.rankProblem(rank, batchSeq) : run.ackProblem(rank, batchSeq);
        if (ackProblem != null) {
            return ackProblem;
        }
        if (run.acknowledged(rank, batchSeq)) {
            listener.duplicateIgnored();
            return null;
        }
        final String sizeProblem = sizeProblem(run.spec(), rows);
        if (sizeProblem != null) {
            return sizeProblem;
        }
        final Run.Applied applied = run.apply(rows, now);
        listener.predictionsApplied(applied.rows(), now - rows.header().getTimestamp());
        run.acknowledge(rank, batchSeq);
        emit(run, now, out);
        run.save();
        return applied.problem();
    }

    /** Why a prediction batch has too few or too many rows for its run ("empty-batch: ...", "oversized: ..."), or null. */
    public static String sizeProblem(final RunSpec spec, final PredictionRows rows) {
        final long batchSeq = rows.header().getBatchSeq();
        if (rows.count() == 0) {
            return EMPTY_BATCH + ": batch " + batchSeq + " of run " + spec.getRunId() + " has no rows; report the "
                    + "samples the batch trained (an acknowledgement without predictions is a TrainerProgress)";
        }
        final long maxRows = (long) spec.getBatchSize() * MAX_ROWS_PER_SAMPLE;
        if (rows.count() > maxRows) {
            return OVERSIZED + ": batch " + batchSeq + " of run " + spec.getRunId() + " has " + rows.count()
                    + " rows, at most " + maxRows + " (" + MAX_ROWS_PER_SAMPLE + " per sample of a batch of "
                    + spec.getBatchSize() + ") are taken";
        }
        return null;
    }

    /** One prediction of the older per-sample contract (deprecated: {@code isgd.predictions}). */
    public String prediction(final SamplePrediction p, final long now) {
        final Run run = runs.get(p.getRunId());
        if (run == null) {
            return unknownRun(p.getRunId());
        }
        if (run.supersedes(p)) {
            listener.duplicateIgnored(); // a redelivery, or older than what the run has: harmless
            return null;
        }
        final Run.Applied applied = run.apply(PredictionRows.ofPrediction(p), now);
        listener.predictionsApplied(applied.rows(), now - p.getTimestamp());
        run.save();
        return applied.rowProblems();
    }

    /** An acknowledgement of the older contract (deprecated: {@code isgd.progress}); a late one changes nothing. */
    public String progress(final TrainerProgress ack, final long now, final Output out) {
        final Run run = runs.get(ack.getRunId());
        if (run == null) {
            return unknownRun(ack.getRunId());
        }
        final String problem = run.progress().ackProblem(ack);
        if (problem != null) {
            return problem;
        }
        run.acknowledge(ack.getRank(), ack.getBatchSeq());
        emit(run, now, out);
        run.save();
        return null;
    }

    private static String unknownRun(final String runId) {
        return UNKNOWN_RUN + ": run '" + runId + "' has no state on this sampler";
    }

    // ---- periodic work ----

    /**
     * Hands each run its dataset's newest irreducible losses, starts runs whose population settled,
     * writes due checkpoints, prunes old history.
     */
    public void tick(final long now, final Output out) {
        for (final Run run : runs.values()) {
            run.reference(references.apply(run.progress().spec().getDataset()));
            final long before = run.progress().nextBatchSeq();
            emit(run, now, out);
            final boolean checkpointed = run.checkpointIfDue(now);
            final boolean pruned = run.prune(now, PRUNE_PER_TICK) > 0;
            if (checkpointed || pruned || run.progress().nextBatchSeq() != before) {
                run.save();
            }
        }
    }

    /** Writes every run's changed snapshot segments now (on a clean shutdown, in tests). */
    public void checkpointAll(final long now) {
        for (final Run run : runs.values()) {
            run.checkpoint(now);
            run.save();
        }
    }

    private void emit(final Run run, final long now, final Output out) {
        if (!holdsShards()) {
            run.emitReady(now, out::batch, listener);
        }
    }

    /** Whether this table holds shards of sharded runs, which it never draws batches for. */
    private boolean holdsShards() {
        return shards > 1;
    }

    // ---- a shard's side of sharded runs ----

    /** The shard's summary of a run for its coordinator; null for a run this table does not hold. */
    public ShardedDraw.Summary summary(final String runId) {
        final Run run = runs.get(runId);
        return run == null ? null : run.summary();
    }

    /**
     * Answers grant number {@code grant} of the run's coordinator for shard {@code shard}: draws
     * {@code count} samples, or for a walk ({@link SamplingPolicy#walks}) walks {@code count}
     * candidates, seeded by the run's seed, the grant and the shard; null when the table does not
     * hold the run or the run has no sample here.
     */
    public ShardStock.Chunk grant(final String runId, final long grant, final int shard, final int count,
                                  final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                                  final double proportional, final long now) {
        final Run run = runs.get(runId);
        if (run == null || run.population() == 0) {
            return null;
        }
        final long seed = (run.spec().getSeed() * 0x9E3779B97F4A7C15L + grant) * 0x632BE59BD9B4E019L + shard + 1;
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        if (run.walks()) {
            final SamplingPolicy.Walk walk = run.walkShard(count, plan, random);
            return new ShardStock.Chunk(grant, now, walk.kept().sampleIds(), walk.kept().labels(),
                    walk.kept().probabilities(), walk.at(), walk.candidates());
        }
        final SamplingPolicy.Draw drawn = run.drawShard(count, plan, totals, proportional, random);
        return new ShardStock.Chunk(grant, now, drawn.sampleIds(), drawn.labels(), drawn.probabilities());
    }

    // ---- what the query API reads (stream thread) ----

    public List<RunSnapshot> snapshots(final long now) {
        final List<RunSnapshot> all = new ArrayList<>();
        runs.values().forEach(run -> all.add(run.snapshot(now)));
        return all;
    }

    /** A sample's current state, journal pointer and suspect flag in a run; null if run or sample is unknown. */
    public SampleView sample(final String runId, final long sampleId) {
        final Run run = runs.get(runId);
        final Run.SampleLookup lookup = run == null ? null : run.lookup(sampleId);
        return lookup == null ? null : new SampleView(runId, sampleId, lookup.state(), lookup.lastApply(),
                lookup.suspect(), run.progress().journal().start());
    }

    /** Every sample of a run that has a state, by sampleId; empty for an unknown run. */
    public Map<Long, SampleState> states(final String runId) {
        final Run run = runs.get(runId);
        return run == null ? Map.of() : run.states();
    }

    /** The {@code k} samples of a run with the highest latest loss; empty for an unknown run. */
    public List<Map.Entry<Long, SampleState>> hardest(final String runId, final int k) {
        final Run run = runs.get(runId);
        return run == null ? List.of() : run.hardest(k);
    }

    /**
     * A sample as its run's owner sees it.
     *
     * @param state null if never predicted
     * @param lastApply journal index of its latest prediction, -1 if none
     * @param journalStart the oldest journal entry still kept: history before it was pruned
     */
    public record SampleView(String runId, long sampleId, SampleState state, long lastApply, boolean suspect,
                             long journalStart) {
    }

    /** The journal key of entry {@code index} of a run. */
    public static String journalKey(final String runId, final long index) {
        return StoreKeys.key(runId, index);
    }
}
