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
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
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
final class SamplerProcessor implements Processor<String, SamplerEvent, String, Routed<IndexBatch>> {
    static final String UNKNOWN_SAMPLE = "unknown-sample";
    static final String LABEL_MISMATCH = "label-mismatch";
    static final String INVALID_RUN = "invalid-run-spec";
    static final String BAD_ACK = "bad-ack";
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
    private ProcessorContext<String, Routed<IndexBatch>> context;
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

    /**
     * @param settle how long a new run waits for its dataset's registrations to pause before its
     *     first batch, so it does not start on the few samples that happened to arrive first; a
     *     run never waits more than {@link #MAX_SETTLE_FACTOR} times this in all
     */
    SamplerProcessor(final SamplerMetrics metrics, final RunSnapshots snapshots, final Duration settle) {
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settle = settle;
    }

    static final int MAX_SETTLE_FACTOR = 30;

    @Override
    public void init(final ProcessorContext<String, Routed<IndexBatch>> context) {
        this.context = context;
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
            publishSnapshots();
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
            case PROGRESS -> onProgress(event.progress());
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
        final byte[] label = population.get(StoreKeys.key(runs.get(runId).spec().getDataset(), prediction.getSampleId()));
        if (label == null) {
            return UNKNOWN_SAMPLE + ": sample " + prediction.getSampleId() + " is not registered for dataset "
                    + runs.get(runId).spec().getDataset();
        }
        final int registered = java.nio.ByteBuffer.wrap(label).getInt();
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
        metrics.predictionApplied();
        return null;
    }

    private String onProgress(final TrainerProgress ack) {
        final String runId = ack.getRunId();
        if (samplerOf(runId) == null) {
            return EventRouter.UNKNOWN_RUN + ": run '" + runId + "' has no state on this sampler";
        }
        final RunProgress run = runs.get(runId);
        if (ack.getRank() >= run.acked().length) {
            return BAD_ACK + ": rank " + ack.getRank() + " but run " + runId + " has worldSize " + run.acked().length;
        }
        if (ack.getBatchSeq() >= run.nextBatchSeq()) {
            return BAD_ACK + ": batch " + ack.getBatchSeq() + " of run " + runId + " was never emitted (next is "
                    + run.nextBatchSeq() + ")";
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

    private void applySpec(final RunSpec spec) {
        final RunProgress known = runs.get(spec.getRunId());
        if (known != null && known.spec().equals(spec) || refusedSpecs.contains(spec)) {
            emitReady(spec.getRunId());
            return;
        }
        final String problem = checkSpec(spec);
        if (problem != null) {
            refusedSpecs.add(spec);
            metrics.deadLetter(problem);
            context.forward(new Record<>(null, Routed.rejected(DeadLetters.of(org.isgd.contract.Topics.RUNS.name(), -1,
                    -1L, spec.getRunId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    org.isgd.contract.Topics.RUNS.valueSerde().serializer().serialize(null, spec), problem, now())), now()));
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

    private static String checkSpec(final RunSpec spec) {
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
            run = run.afterBatch(labelsOf(run.spec().getDataset(), emit(run, sampler)));
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
        final long grew = lastGrowth.getOrDefault(spec.getDataset(), 0L);
        return now - grew < settle.toMillis() && now - seen < settle.toMillis() * MAX_SETTLE_FACTOR;
    }

    private int[] labelsOf(final String dataset, final long[] sampleIds) {
        final int[] labels = new int[sampleIds.length];
        for (int i = 0; i < sampleIds.length; i++) {
            final byte[] label = population.get(StoreKeys.key(dataset, sampleIds[i]));
            labels[i] = label == null ? 0 : java.nio.ByteBuffer.wrap(label).getInt();
        }
        return labels;
    }

    /** Emits the run's next batch and returns the ids drawn. */
    private long[] emit(final RunProgress run, final SamplingPolicy sampler) {
        final RunSpec spec = run.spec();
        final long seq = run.nextBatchSeq();
        final SamplingPolicy.Draw drawn = sampler.draw(seq, spec.getBatchSize(),
                new SplittableRandom(spec.getSeed() * 0x9E3779B97F4A7C15L + seq));
        final IndexBatch batch = IndexBatch.newBuilder()
                .setRunId(spec.getRunId())
                .setBatchSeq(seq)
                .setRank((int) (seq % run.acked().length))
                .setSampleIds(boxed(drawn.sampleIds()))
                .setWeights(boxed(drawn.weights()))
                .setProbabilities(boxed(drawn.probabilities()))
                .setPolicy(spec.getPolicy())
                .setPhase(drawn.phase())
                .setCreatedAt(now())
                .build();
        final String before = phases.put(spec.getRunId(), drawn.phase());
        if (!drawn.phase().equals(before)) {
            LOG.info("run {}: phase {} from batch {} (population {})", spec.getRunId(), drawn.phase(), seq,
                    sampler.population());
        }
        context.forward(new Record<>(spec.getRunId(), Routed.of(batch), now()));
        metrics.batchEmitted(drawn.sampleIds().length);
        lastEss.put(spec.getRunId(), effectiveSampleSize(drawn.weights()));
        return drawn.sampleIds();
    }

    /** (Σw)²/Σw² / n: 1 when all weights are equal, small when a few samples carry the batch. */
    static double effectiveSampleSize(final float[] weights) {
        double sum = 0;
        double squares = 0;
        for (final float w : weights) {
            sum += w;
            squares += (double) w * w;
        }
        return squares == 0 ? 0 : sum * sum / squares / weights.length;
    }

    private void publishSnapshots() {
        final long now = now();
        for (final RunProgress run : runs.values()) {
            final RunSpec spec = run.spec();
            final SamplingPolicy sampler = samplers.get(spec.getRunId());
            final long[] lead = new long[run.acked().length];
            for (int rank = 0; rank < lead.length; rank++) {
                final long emittedForRank = run.nextBatchSeq() <= rank ? 0 : (run.nextBatchSeq() - 1 - rank) / lead.length + 1;
                final long ackedForRank = run.acked()[rank] < 0 ? 0 : run.acked()[rank] / lead.length + 1;
                lead[rank] = emittedForRank - ackedForRank;
            }
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
        runs.keySet().forEach(snapshots::remove); // another instance owns them now
    }

    private static List<Long> boxed(final long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    private static List<Float> boxed(final float[] values) {
        final Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return List.of(boxed);
    }

    private static List<Double> boxed(final double[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
