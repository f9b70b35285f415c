package org.isgd.sampler.topology;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.sampler.run.IndexBatches;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.sampling.FlowControl;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sampler proper, one per task: owns the datasets routed to its partition, their
 * population, the importance of every (run, sample), each run's flow-control state, and the
 * in-memory sum trees drawn from. Emits a run's batches as acknowledgements make room.
 */
final class SamplerProcessor implements Processor<String, SamplerEvent, String, Routed<Object>> {
    static final String UNKNOWN_SAMPLE = "unknown-sample";
    static final String LABEL_MISMATCH = "label-mismatch";
    static final String INVALID_RUN = "invalid-run-spec";
    static final Duration RUN_SYNC_INTERVAL = Duration.ofMillis(100);
    private static final Logger LOG = LoggerFactory.getLogger(SamplerProcessor.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final SamplerMetrics metrics;
    private final RunSnapshots snapshots;
    private final Duration settle;
    private final Map<String, Double> lastEss = new HashMap<>();
    private final Map<String, Long> lastPredictionAt = new HashMap<>();
    /** Wall-clock time each dataset last grew: a new run waits for registration to pause. */
    private final Map<String, Long> lastGrowth = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    private ProcessorContext<String, Routed<Object>> context;
    private KeyValueStore<String, byte[]> population;
    private KeyValueStore<String, byte[]> importance;
    private KeyValueStore<String, byte[]> runProgress;
    private KeyValueStore<String, byte[]> history;
    private RunSpecLookup runSpecs;
    private final Map<String, RunProgress> runs = new HashMap<>();
    private final Map<String, SamplingPolicy> samplers = new HashMap<>();
    private final Set<String> ownedDatasets = new HashSet<>();
    private final Set<RunSpec> refusedSpecs = new HashSet<>();
    private final Map<String, String> phases = new HashMap<>();
    /** Sharded mode: this task is one shard of every run; batches are drawn via the runs' coordinators. */
    private final boolean sharded;
    private final int shards;
    /** Sharded mode: runs whose summary changed since the last report to their coordinator. */
    private final Set<String> changed = new HashSet<>();
    private final Map<String, ShardedDraw.Summary> reported = new HashMap<>();

    /**
     * @param settle how long a new run waits for its dataset's registrations to pause before its
     *     first batch, so it does not start on the few samples that happened to arrive first; a
     *     run never waits more than {@link #MAX_SETTLE_FACTOR} times this in all
     */
    SamplerProcessor(final SamplerMetrics metrics, final RunSnapshots snapshots, final Duration settle,
                     final int shards) {
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settle = settle;
        this.sharded = shards > 1;
        this.shards = shards;
    }

    static final int MAX_SETTLE_FACTOR = 30;

    @Override
    public void init(final ProcessorContext<String, Routed<Object>> context) {
        this.context = context;
        // a task revived after an aborted transaction is initialised again: memory must match the restored stores
        lastEss.clear();
        lastPredictionAt.clear();
        lastGrowth.clear();
        firstSeen.clear();
        runs.clear();
        samplers.clear();
        ownedDatasets.clear();
        refusedSpecs.clear();
        phases.clear();
        changed.clear();
        reported.clear();
        population = context.getStateStore(StoreKeys.POPULATION);
        importance = context.getStateStore(StoreKeys.IMPORTANCE);
        runProgress = context.getStateStore(StoreKeys.RUN_PROGRESS);
        history = context.getStateStore(StoreKeys.HISTORY);
        runSpecs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
        try (KeyValueIterator<String, byte[]> stored = runProgress.all()) {
            stored.forEachRemaining(kv -> {
                if (!kv.key.startsWith(StoreKeys.REFUSED_RUN_PREFIX)) {
                    restoreRun(RunProgress.fromBytes(kv.value));
                }
            });
        }
        context.schedule(RUN_SYNC_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            syncRuns();
            if (sharded) {
                reportChanges();
            } else {
                publishSnapshots();
            }
        });
    }

    private void restoreRun(final RunProgress progress) {
        final String problem = checkSpec(progress.spec());
        if (problem != null) {
            // stored by an older version that accepted it: keep the record, emit nothing for it
            LOG.error("not restoring run {}: {}", progress.spec().getRunId(), problem);
            return;
        }
        runs.put(progress.spec().getRunId(), progress);
        ownedDatasets.add(progress.spec().getDataset());
        samplers.put(progress.spec().getRunId(), rebuild(progress.spec()));
        LOG.info("restored run {} at batch {} with {} samples", progress.spec().getRunId(),
                progress.nextBatchSeq(), samplers.get(progress.spec().getRunId()).population());
    }

    @Override
    public void process(final Record<String, SamplerEvent> record) {
        final SamplerEvent event = record.value();
        final String problem = switch (event.kind()) {
            case SAMPLE -> onSample(event.sample());
            case PREDICTION -> onPrediction(event.prediction());
            case PROGRESS -> sharded ? passToCoordinator(event) : onProgress(event.progress());
            case SHARD -> onDrawRequest((ShardMessage.DrawRequest) event.shardMessage());
            case PREDICTION_BATCH, POPULATION -> "malformed: a " + event.kind() + " event reached a shard task";
        };
        if (problem != null) {
            metrics.deadLetter(problem);
            context.forward(new Record<>(null, Routed.rejected(event.reject(problem, now())), now()));
        }
    }

    private String onSample(final SampleRegistered sample) {
        final String dataset = sample.getDataset();
        final String key = StoreKeys.key(dataset, sample.getSampleId());
        final byte[] before = population.get(key);
        final byte[] label = labelBytes(sample.getLabel());
        if (before != null && java.util.Arrays.equals(before, label)) {
            metrics.duplicateIgnored();
            return null;
        }
        population.put(key, label);
        lastGrowth.put(dataset, now());
        if (ownedDatasets.add(dataset)) {
            syncRuns();
        }
        for (final RunProgress run : runsOf(dataset)) {
            final String runId = run.spec().getRunId();
            final SampleState state = before == null ? null : stateOf(runId, sample.getSampleId());
            samplers.get(runId).put(sample.getSampleId(), sample.getLabel(), state);
            emitReady(runId);
        }
        return null;
    }

    private String onPrediction(final SamplePrediction prediction) {
        final String runId = prediction.getRunId();
        final SamplingPolicy sampler = samplerOf(runId);
        if (sampler == null) {
            return EventRouter.UNKNOWN_RUN + ": run '" + runId + "' has no state on this sampler";
        }
        // the run's pool holds every registered sample of its dataset (of this shard) with its label: no store read
        final int registered = sampler.labelOf(prediction.getSampleId());
        if (registered < 0) {
            return UNKNOWN_SAMPLE + ": sample " + prediction.getSampleId() + " is not registered for dataset "
                    + runs.get(runId).spec().getDataset();
        }
        if (registered != prediction.getLabel()) {
            return LABEL_MISMATCH + ": sample " + prediction.getSampleId() + " is registered with label " + registered
                    + ", prediction says " + prediction.getLabel();
        }
        final String key = StoreKeys.key(runId, prediction.getSampleId());
        final SampleState before = stateOf(runId, prediction.getSampleId());
        if (before != null && before.supersedes(prediction)) {
            metrics.duplicateIgnored(); // a redelivery, or older than what the store has: harmless
            return null;
        }
        final SampleState state = SampleState.after(before, prediction);
        importance.put(key, state.toBytes());
        history.put(StoreKeys.historyKey(runId, prediction.getSampleId(), prediction.getTimestamp(), state.visits()),
                state.toBytes());
        lastPredictionAt.put(runId, now());
        sampler.update(prediction.getSampleId(), before, state);
        metrics.predictionApplied(now() - prediction.getTimestamp());
        return null;
    }

    private String onProgress(final TrainerProgress ack) {
        final String runId = ack.getRunId();
        if (samplerOf(runId) == null) {
            return EventRouter.UNKNOWN_RUN + ": run '" + runId + "' has no state on this sampler";
        }
        final RunProgress run = runs.get(runId);
        final String problem = run.ackProblem(ack);
        if (problem != null) {
            return problem;
        }
        save(run.withAck(ack.getRank(), ack.getBatchSeq()));
        emitReady(runId);
        return null;
    }

    private SampleState stateOf(final String runId, final long sampleId) {
        final byte[] bytes = importance.get(StoreKeys.key(runId, sampleId));
        return bytes == null ? null : SampleState.fromBytes(bytes);
    }

    private static byte[] labelBytes(final int label) {
        return java.nio.ByteBuffer.allocate(4).putInt(label).array();
    }

    private SamplingPolicy samplerOf(final String runId) {
        if (!samplers.containsKey(runId)) {
            syncRuns();
        }
        return samplers.get(runId);
    }

    /** Applies isgd.runs (the global store) to the runs of datasets this task owns. */
    private void syncRuns() {
        runSpecs.forEach((runId, spec) -> {
            if (owns(spec.getDataset())) {
                applySpec(spec);
            } else if (sharded && reportsRefusals()) {
                refuse(spec); // the shards that own the dataset refuse it silently
            }
        }, this::forwardRefusedSpec);
    }

    /**
     * A run spec the global store refused becomes a dead letter here, exactly once: only the task
     * of partition 0 sends it, and remembers that it did in its changelogged store.
     */
    private void forwardRefusedSpec(final String key, final org.isgd.schemas.DeadLetter letter) {
        if (context.taskId().partition() != 0 || runProgress.get(key) != null) {
            return;
        }
        runProgress.put(key, new byte[0]);
        context.forward(new Record<>(null, Routed.rejected(letter), now()));
    }

    /**
     * Refuses a spec that fails {@link #checkSpec}, once; returns whether it did. In sharded mode
     * every shard refuses, but only the task of partition 0 sends the dead letter.
     */
    private boolean refuse(final RunSpec spec) {
        if (refusedSpecs.contains(spec)) {
            return true;
        }
        final String problem = checkSpec(spec);
        if (problem == null) {
            return false;
        }
        refusedSpecs.add(spec);
        if (!sharded || reportsRefusals()) {
            metrics.deadLetter(problem);
            context.forward(new Record<>(null, Routed.rejected(DeadLetters.ofRunSpec(spec, problem, now())), now()));
        }
        return true;
    }

    private boolean reportsRefusals() {
        return context.taskId().partition() == 0;
    }

    private void applySpec(final RunSpec spec) {
        final RunProgress known = runs.get(spec.getRunId());
        if (known != null && known.spec().equals(spec) || refuse(spec)) {
            emitReady(spec.getRunId());
            return;
        }
        if (known == null) {
            samplers.put(spec.getRunId(), rebuild(spec));
            save(RunProgress.start(spec));
            LOG.info("run {} started: policy {}, {} samples of {}", spec.getRunId(), spec.getPolicy(),
                    samplers.get(spec.getRunId()).population(), spec.getDataset());
        } else {
            save(known.withSpec(spec));
            LOG.info("run {} updated: state {}", spec.getRunId(), spec.getState());
        }
        emitReady(spec.getRunId());
    }

    static String checkSpec(final RunSpec spec) {
        final String name = Validation.name("runId", spec.getRunId());
        if (name != null) {
            return INVALID_RUN + ": " + name;
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

    private boolean owns(final String dataset) {
        if (ownedDatasets.contains(dataset)) {
            return true;
        }
        try (KeyValueIterator<String, byte[]> any = population.prefixScan(StoreKeys.prefix(dataset), KEYS)) {
            return any.hasNext() && ownedDatasets.add(dataset);
        }
    }

    private List<RunProgress> runsOf(final String dataset) {
        return runs.values().stream().filter(r -> r.spec().getDataset().equals(dataset)).toList();
    }

    /** The run's sum tree from the stores: one merged pass over its dataset and its importance. */
    private SamplingPolicy rebuild(final RunSpec spec) {
        final SamplingPolicy sampler = Policies.forRun(spec);
        if (spec.getMinPopulation() != null) {
            // this task's share of it: all of it, or about 1/S of it (plus 10%: hashing is not exact) for a shard
            final long share = sharded ? spec.getMinPopulation() * 11 / (10L * shards) : spec.getMinPopulation();
            sampler.reserve((int) Math.min(share, Integer.MAX_VALUE - 16));
        }
        try (KeyValueIterator<String, byte[]> samples = population.prefixScan(StoreKeys.prefix(spec.getDataset()), KEYS);
             KeyValueIterator<String, byte[]> states = importance.prefixScan(StoreKeys.prefix(spec.getRunId()), KEYS)) {
            KeyValue<String, byte[]> state = states.hasNext() ? states.next() : null;
            while (samples.hasNext()) {
                final KeyValue<String, byte[]> sample = samples.next();
                final long id = StoreKeys.sampleId(sample.key);
                while (state != null && StoreKeys.sampleId(state.key) < id) {
                    state = states.hasNext() ? states.next() : null;
                }
                final boolean seen = state != null && StoreKeys.sampleId(state.key) == id;
                sampler.put(id, java.nio.ByteBuffer.wrap(sample.value).getInt(),
                        seen ? SampleState.fromBytes(state.value) : null);
            }
        }
        return sampler;
    }

    private void emitReady(final String runId) {
        if (sharded) {
            changed.add(runId); // the coordinator draws; it hears of the change in the next report
            return;
        }
        RunProgress run = runs.get(runId);
        final SamplingPolicy sampler = samplers.get(runId);
        if (run == null || sampler == null || sampler.population() == 0) {
            return;
        }
        final long first = run.nextBatchSeq();
        if (first == 0 && !readyToStart(run.spec(), sampler.population())) {
            return; // the punctuator tries again
        }
        while (FlowControl.mayEmitNext(run)) {
            run = run.afterBatch(labelsOf(sampler, emit(run, sampler)));
        }
        if (run.nextBatchSeq() != first) {
            save(run);
        }
    }

    /**
     * Whether a run may draw its first batch: once its population reaches minPopulation, or, without
     * one, once registrations of its dataset have paused (they reach this task by several paths, so
     * a run created right after registering would otherwise start on the few samples that came first).
     */
    private boolean readyToStart(final RunSpec spec, final int population) {
        if (spec.getMinPopulation() != null) {
            return population >= spec.getMinPopulation();
        }
        return !settling(spec);
    }

    private boolean settling(final RunSpec spec) {
        final long now = now();
        final long seen = firstSeen.computeIfAbsent(spec.getRunId(), id -> now);
        return settling(now, seen, lastGrowth.getOrDefault(spec.getDataset(), 0L), settle);
    }

    /** Whether a run first seen at {@code seen}, whose population last grew at {@code grew}, still waits. */
    static boolean settling(final long now, final long seen, final long grew, final Duration settle) {
        return now - grew < settle.toMillis() && now - seen < settle.toMillis() * MAX_SETTLE_FACTOR;
    }

    /** Labels of drawn samples, from the policy's in-memory pool (a store read per index was a cost per draw). */
    private static int[] labelsOf(final SamplingPolicy sampler, final long[] sampleIds) {
        final int[] labels = new int[sampleIds.length];
        for (int i = 0; i < sampleIds.length; i++) {
            labels[i] = sampler.labelOf(sampleIds[i]);
        }
        return labels;
    }

    /** Emits the run's next batch and returns the ids drawn. */
    private long[] emit(final RunProgress run, final SamplingPolicy sampler) {
        final RunSpec spec = run.spec();
        final long seq = run.nextBatchSeq();
        final SamplingPolicy.Draw drawn = sampler.draw(seq, spec.getBatchSize(),
                new SplittableRandom(spec.getSeed() * 0x9E3779B97F4A7C15L + seq));
        final IndexBatch batch = IndexBatches.of(spec, seq, run.acked().length, drawn.sampleIds(), drawn.weights(),
                drawn.probabilities(), drawn.phase(), now());
        final String before = phases.put(spec.getRunId(), drawn.phase());
        if (!drawn.phase().equals(before)) {
            LOG.info("run {}: phase {} from batch {} (population {})", spec.getRunId(), drawn.phase(), seq,
                    sampler.population());
        }
        context.forward(new Record<>(spec.getRunId(), Routed.of(batch), now()));
        metrics.batchEmitted(drawn.sampleIds().length);
        lastEss.put(spec.getRunId(), IndexBatches.effectiveSampleSize(drawn.weights()));
        return drawn.sampleIds();
    }

    private void publishSnapshots() {
        final long now = now();
        for (final RunProgress run : runs.values()) {
            final RunSpec spec = run.spec();
            final SamplingPolicy sampler = samplers.get(spec.getRunId());
            final long[] lead = FlowControl.leads(run);
            final Long lastPrediction = lastPredictionAt.get(spec.getRunId());
            snapshots.publish(new RunSnapshot(spec.getRunId(), spec.getDataset(), spec.getPolicy(),
                    FlowControl.budgetSpent(spec, run.nextBatchSeq()) ? "FINISHED" : spec.getState().name(),
                    phases.getOrDefault(spec.getRunId(), "-"), sampler.population(), run.nextBatchSeq(),
                    run.acked().clone(), lead, run.classDraws().clone(), lastEss.getOrDefault(spec.getRunId(), Double.NaN),
                    lastPrediction == null ? -1 : now - lastPrediction, Map.copyOf(sampler.stats()),
                    List.copyOf(new java.util.TreeSet<>(sampler.suspects())), now));
        }
    }

    private void save(final RunProgress progress) {
        runs.put(progress.spec().getRunId(), progress);
        runProgress.put(progress.spec().getRunId(), progress.toBytes());
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    @Override
    public void close() {
        if (!sharded) {
            runs.keySet().forEach(snapshots::remove); // another instance owns them now
        }
    }

    // ---- sharded mode: this task is shard {@code partition} of every run of its datasets ----

    /** Draws this shard's part of a batch; an empty part if the shard has no sample of the run. */
    private String onDrawRequest(final ShardMessage.DrawRequest request) {
        final SamplingPolicy sampler = samplerOf(request.runId());
        final RunProgress run = runs.get(request.runId());
        final int shard = context.taskId().partition();
        long[] ids = new long[0];
        float[] weights = new float[0];
        double[] probabilities = new double[0];
        if (sampler != null && sampler.population() > 0) {
            final long seed = (run.spec().getSeed() * 0x9E3779B97F4A7C15L + request.batchSeq()) * 0x632BE59BD9B4E019L
                    + shard + 1;
            final SamplingPolicy.Draw drawn = sampler.drawShard(request.batchSeq(), request.count(), request.plan(),
                    request.totals(), request.share(), new SplittableRandom(seed));
            ids = drawn.sampleIds();
            weights = drawn.weights();
            probabilities = drawn.probabilities();
        } else {
            LOG.warn("run {}: shard {} was asked for {} samples of batch {} but holds none of the run", request.runId(),
                    shard, request.count(), request.batchSeq());
        }
        final int[] labels = sampler == null ? new int[ids.length] : labelsOf(sampler, ids);
        forwardToCoordinator(new ShardMessage.DrawPart(request.runId(), request.batchSeq(), shard, ids, labels, weights,
                probabilities));
        return null;
    }

    /** Sends each run's summary to its coordinator when it changed since the last report. */
    private void reportChanges() {
        for (final String runId : changed) {
            final SamplingPolicy sampler = samplers.get(runId);
            if (sampler == null) {
                continue;
            }
            final ShardedDraw.Summary summary = sampler.summary();
            if (!summary.equals(reported.put(runId, summary))) {
                forwardToCoordinator(new ShardMessage.ShardReport(runId, context.taskId().partition(), summary));
            }
        }
        changed.clear();
    }

    /** An acknowledgement reaches a shard task first (it came in on the shard topic); the coordinator applies it. */
    private String passToCoordinator(final SamplerEvent ack) {
        context.forward(new Record<>(ack.progress().getRunId(), Routed.of(ack), now()));
        return null;
    }

    private void forwardToCoordinator(final ShardMessage message) {
        context.forward(new Record<>(message.runId(), Routed.of(SamplerEvent.of(message)), now()));
    }
}
