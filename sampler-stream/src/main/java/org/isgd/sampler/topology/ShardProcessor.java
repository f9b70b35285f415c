package org.isgd.sampler.topology;

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
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard of every sharded run (a sampler started with {@code --shards S}): the samples whose
 * key hashes to this task's partition of the shard topic, their importance and history, and the
 * run's policy over them. It reports each run's summary to the run's {@link RunCoordinator} when
 * it changes, draws the samples its grants ask for (many batches' worth at a time, ahead of the
 * batches), and passes acknowledgements on to it. (Runs of an unsharded sampler live in {@link RunProcessor}.)
 */
final class ShardProcessor implements Processor<String, SamplerEvent, String, Routed<Object>> {
    static final String UNKNOWN_SAMPLE = "unknown-sample";
    static final String LABEL_MISMATCH = "label-mismatch";
    private static final Logger LOG = LoggerFactory.getLogger(ShardProcessor.class);
    private static final StringSerializer KEYS = new StringSerializer();

    private final SamplerMetrics metrics;
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
    private final int shards;
    /** Runs whose summary changed since the last report to their coordinator. */
    private final Set<String> changed = new HashSet<>();
    private final Map<String, ShardedDraw.Summary> reported = new HashMap<>();

    /** @param shards the number of shards (partitions of the shard topic) */
    ShardProcessor(final SamplerMetrics metrics, final int shards) {
        this.metrics = metrics;
        this.shards = shards;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<Object>> context) {
        this.context = context;
        // a task revived after an aborted transaction is initialised again: memory must match the restored stores
        runs.clear();
        samplers.clear();
        ownedDatasets.clear();
        refusedSpecs.clear();
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
        context.schedule(SamplerTopology.SYNC_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            syncRuns();
            reportChanges();
        });
    }

    private void restoreRun(final RunProgress progress) {
        final String problem = RunTable.checkSpec(progress.spec());
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
            case PROGRESS -> passToCoordinator(event);
            case SHARD -> event.shardMessage() instanceof ShardMessage.Grant grant ? onGrant(grant) : null; // Obsolete: dropped
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
        sampler.update(prediction.getSampleId(), before, state);
        metrics.predictionApplied(now() - prediction.getTimestamp());
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
            } else if (reportsRefusals()) {
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
        final String problem = RunTable.checkSpec(spec);
        if (problem == null) {
            return false;
        }
        refusedSpecs.add(spec);
        if (reportsRefusals()) {
            metrics.deadLetter(problem);
            context.forward(new Record<>(null, Routed.rejected(runSpecs.refusal(spec, problem, now())), now()));
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
            // this shard's share of it: about 1/S of it (plus 10%: hashing is not exact)
            final long share = spec.getMinPopulation() * 11 / (10L * shards);
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

    /** The coordinator draws; it hears of the change in the next report. */
    private void emitReady(final String runId) {
        changed.add(runId);
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
    }

    /**
     * Draws what a grant asks for, ahead of the batches that will use it; an empty stock if the
     * shard has no sample of the run (the coordinator then stops waiting for it).
     */
    private String onGrant(final ShardMessage.Grant grant) {
        final SamplingPolicy sampler = samplerOf(grant.runId());
        final RunProgress run = runs.get(grant.runId());
        final int shard = context.taskId().partition();
        long[] ids = new long[0];
        int[] labels = new int[0];
        double[] inShard = new double[0];
        if (sampler != null && sampler.population() > 0) {
            final long seed = (run.spec().getSeed() * 0x9E3779B97F4A7C15L + grant.grant()) * 0x632BE59BD9B4E019L
                    + shard + 1;
            final SamplingPolicy.Draw drawn = sampler.drawShard(grant.count(), grant.plan(), grant.totals(),
                    grant.proportional(), new SplittableRandom(seed));
            ids = drawn.sampleIds();
            labels = drawn.labels();
            inShard = drawn.probabilities();
        } else {
            LOG.warn("run {}: shard {} was granted {} samples but holds none of the run", grant.runId(), shard,
                    grant.count());
        }
        forwardToCoordinator(new ShardMessage.Stock(grant.runId(), shard,
                new ShardStock.Chunk(grant.grant(), now(), ids, labels, inShard)));
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

    /**
     * Acknowledgements go from the router to the coordinator directly; one still reaches a shard
     * task if a sampler before that change put it on the shard topic: passed on.
     */
    private String passToCoordinator(final SamplerEvent ack) {
        context.forward(new Record<>(ack.progress().getRunId(), Routed.of(ack), now()));
        return null;
    }

    private void forwardToCoordinator(final ShardMessage message) {
        context.forward(new Record<>(message.runId(), Routed.of(SamplerEvent.of(message)), now()));
    }
}
