package org.isgd.sampler.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.sampler.run.IndexBatches;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.sampling.FlowControl;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.TrainerProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of sharded runs, one task per run (keyed by runId): keeps the run's flow
 * control and its shards' latest summaries, asks the shards for the parts of each batch the
 * lead allows (how many from each: a multinomial over their chances, {@link ShardedDraw}),
 * and emits batch k once all its parts are in, in order. Requests, parts and acknowledgements
 * all travel through Kafka inside exactly-once transactions, and the coordinator's state
 * (progress, summaries, outstanding requests, parts received) is changelogged, so a batch is
 * neither lost, repeated nor emitted incomplete when instances come and go.
 */
final class RunCoordinator implements Processor<String, SamplerEvent, String, Routed<Object>> {
    static final String RUNS = StoreKeys.COORDINATOR_RUNS;
    static final String PARTS = StoreKeys.COORDINATOR_PARTS;
    static final String PENDING = StoreKeys.COORDINATOR_PENDING;
    private static final Logger LOG = LoggerFactory.getLogger(RunCoordinator.class);

    private final SamplerMetrics metrics;
    private final RunSnapshots snapshots;
    private final Duration settle;
    private ProcessorContext<String, Routed<Object>> context;
    private KeyValueStore<String, byte[]> runStore;
    private KeyValueStore<String, byte[]> partStore;
    /** One entry per requested, not yet emitted batch: its own key, so a save is O(1) whatever the lead. */
    private KeyValueStore<String, byte[]> pendingStore;
    private final Map<String, TreeMap<Long, Pending>> pending = new HashMap<>();
    private RunSpecLookup runSpecs;
    private final Map<String, Coordinated> runs = new HashMap<>();
    private final Map<String, SamplingPolicy> planners = new HashMap<>();
    private final Map<String, Map<Long, Map<Integer, ShardMessage.DrawPart>>> parts = new HashMap<>();
    private final Map<String, long[]> growth = new HashMap<>(); // runId → {first seen, population last grew}
    private final Map<String, Double> lastEss = new HashMap<>();
    private final Map<String, RunSpec> ignoredSpecs = new HashMap<>();

    RunCoordinator(final SamplerMetrics metrics, final RunSnapshots snapshots, final Duration settle) {
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settle = settle;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<Object>> context) {
        this.context = context;
        // a task revived after an aborted transaction is initialised again: memory must match the restored stores
        runs.clear();
        planners.clear();
        parts.clear();
        pending.clear();
        growth.clear();
        lastEss.clear();
        ignoredSpecs.clear();
        runStore = context.getStateStore(RUNS);
        partStore = context.getStateStore(PARTS);
        pendingStore = context.getStateStore(PENDING);
        runSpecs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
        try (KeyValueIterator<String, byte[]> stored = runStore.all()) {
            stored.forEachRemaining(kv -> {
                final Coordinated run = Coordinated.fromBytes(kv.value);
                runs.put(kv.key, run);
                if (!run.refused()) {
                    planners.put(kv.key, Policies.forRun(run.progress().spec()));
                }
            });
        }
        try (KeyValueIterator<String, byte[]> stored = pendingStore.all()) {
            stored.forEachRemaining(kv -> pendingOf(StoreKeys.owner(kv.key))
                    .put(StoreKeys.sampleId(kv.key), Pending.fromBytes(kv.value)));
        }
        try (KeyValueIterator<String, byte[]> stored = partStore.all()) {
            stored.forEachRemaining(kv -> remember((ShardMessage.DrawPart) ShardMessage.decode(kv.value)));
        }
        context.schedule(SamplerTopology.SYNC_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            for (final String runId : List.copyOf(runs.keySet())) {
                final RunSpec spec = runSpecs.get(runId);
                final Coordinated run = runs.get(runId);
                if (spec != null && !run.refused() && !spec.equals(run.progress().spec())
                        && !spec.equals(ignoredSpecs.get(runId))) {
                    final String problem = RunTable.checkSpec(spec);
                    if (problem == null) {
                        LOG.info("run {} updated: state {}", runId, spec.getState());
                        save(run.with(run.progress().withSpec(spec)));
                    } else {
                        // the shards refuse it too (partition 0 sends the dead letter); keep drawing under the old spec
                        LOG.warn("run {}: ignoring an invalid update ({})", runId, problem);
                        ignoredSpecs.put(runId, spec);
                    }
                }
                pump(runId);
            }
            publishSnapshots();
        });
    }

    @Override
    public void process(final Record<String, SamplerEvent> record) {
        final SamplerEvent event = record.value();
        if (event.kind() == SamplerEvent.Kind.PROGRESS) {
            final String problem = onAck(event.progress());
            if (problem != null) {
                metrics.deadLetter(problem);
                context.forward(new Record<>(null, Routed.rejected(event.reject(problem, now())), now()));
            }
            return;
        }
        final ShardMessage message = event.shardMessage();
        if (message instanceof ShardMessage.ShardReport report) {
            onReport(report);
        } else if (message instanceof ShardMessage.DrawPart part) {
            onPart(part);
        } else {
            LOG.warn("ignoring a draw request on the coordinator: {}", message);
        }
    }

    private String onAck(final TrainerProgress ack) {
        final Coordinated run = runOf(ack.getRunId());
        if (run == null || run.refused()) {
            return EventRouter.UNKNOWN_RUN + ": run '" + ack.getRunId() + "' has no state on this sampler";
        }
        final String problem = run.progress().ackProblem(ack);
        if (problem != null) {
            return problem;
        }
        save(run.with(run.progress().withAck(ack.getRank(), ack.getBatchSeq())));
        pump(ack.getRunId());
        return null;
    }

    private void onReport(final ShardMessage.ShardReport report) {
        final Coordinated run = runOf(report.runId());
        if (run == null) {
            return; // the run was deleted from isgd.runs
        }
        final ShardedDraw.Summary before = run.shards().get(report.shard());
        if (before == null || before.population() != report.summary().population()) {
            growth.computeIfAbsent(report.runId(), id -> new long[] {now(), 0})[1] = now();
        }
        final TreeMap<Integer, ShardedDraw.Summary> shards = new TreeMap<>(run.shards());
        shards.put(report.shard(), report.summary());
        save(new Coordinated(run.progress(), run.nextRequested(), shards, run.refused()));
        pump(report.runId());
    }

    private void onPart(final ShardMessage.DrawPart part) {
        final Coordinated run = runs.get(part.runId());
        if (run == null || !pendingOf(part.runId()).containsKey(part.batchSeq())) {
            LOG.warn("run {}: part of batch {} from shard {} that was not requested; dropped", part.runId(),
                    part.batchSeq(), part.shard());
            return;
        }
        partStore.put(partKey(part.runId(), part.batchSeq(), part.shard()), ShardMessage.encode(part));
        remember(part);
        pump(part.runId());
    }

    private void remember(final ShardMessage.DrawPart part) {
        parts.computeIfAbsent(part.runId(), id -> new HashMap<>())
                .computeIfAbsent(part.batchSeq(), seq -> new TreeMap<>())
                .put(part.shard(), part);
    }

    /** The run's coordinator state, created (or refused) the first time the run is heard of. */
    private Coordinated runOf(final String runId) {
        final Coordinated known = runs.get(runId);
        if (known != null) {
            return known;
        }
        final RunSpec spec = runSpecs.get(runId);
        if (spec == null) {
            return null;
        }
        String problem = RunTable.checkSpec(spec);
        final SamplingPolicy planner = problem == null ? Policies.forRun(spec) : null;
        if (planner != null && !planner.shardable()) {
            problem = RunTable.INVALID_RUN + ": policy " + spec.getPolicy() + " cannot be spread over shards yet"
                    + " (it walks an epoch permutation); run it on a sampler started with --shards 1";
        }
        final Coordinated run = new Coordinated(RunProgress.start(spec), 0, new TreeMap<>(), problem != null);
        save(run);
        if (problem != null) {
            // the shards refuse invalid specs themselves (partition 0 reports them); this one is ours to report
            if (planner != null) {
                metrics.deadLetter(problem);
                context.forward(new Record<>(null, Routed.rejected(runSpecs.refusal(spec, problem, now())), now()));
            }
            return run;
        }
        planners.put(runId, planner);
        LOG.info("run {} started (sharded): policy {} on dataset {}", runId, spec.getPolicy(), spec.getDataset());
        return run;
    }

    /** Emits every batch whose parts are all in, in order, then requests what the lead allows. */
    private void pump(final String runId) {
        Coordinated run = runs.get(runId);
        if (run == null || run.refused()) {
            return;
        }
        final Coordinated before = run;
        final Map<Long, Map<Integer, ShardMessage.DrawPart>> received = parts.getOrDefault(runId, Map.of());
        Pending next;
        final RunSpec spec = run.progress().spec();
        while (spec.getState() == org.isgd.schemas.RunState.ACTIVE
                && !FlowControl.budgetSpent(spec, run.progress().nextBatchSeq())
                && (next = pendingOf(runId).get(run.progress().nextBatchSeq())) != null) {
            final Map<Integer, ShardMessage.DrawPart> in = received.get(run.progress().nextBatchSeq());
            if (in == null || !in.keySet().containsAll(next.shards())) {
                break;
            }
            run = emit(run, next, in);
        }
        final ShardedDraw.Totals totals = ShardedDraw.Totals.of(run.shards().values());
        while (totals.population() > 0 && FlowControl.mayEmit(run.progress(), run.nextRequested())
                && (run.nextRequested() > 0 || readyToStart(run.progress().spec(), totals))) {
            run = request(run, totals);
        }
        if (run != before) {
            save(run);
        }
    }

    private boolean readyToStart(final RunSpec spec, final ShardedDraw.Totals totals) {
        if (spec.getMinPopulation() != null) {
            return totals.population() >= spec.getMinPopulation();
        }
        final long[] seen = growth.computeIfAbsent(spec.getRunId(), id -> new long[] {now(), now()});
        return !RunSettings.settling(now(), seen[0], seen[1], settle.toMillis());
    }

    private Coordinated request(final Coordinated run, final ShardedDraw.Totals totals) {
        final RunSpec spec = run.progress().spec();
        final long seq = run.nextRequested();
        final ShardedDraw.Plan plan = planners.get(spec.getRunId()).plan(seq, spec.getBatchSize(), totals);
        final int[] shards = run.shards().entrySet().stream().filter(e -> e.getValue().population() > 0)
                .mapToInt(Map.Entry::getKey).toArray();
        final ShardedDraw.Share[] shares = ShardedDraw.shares(plan.share(), shards, run.shards(), totals);
        final int[] counts = ShardedDraw.counts(spec.getBatchSize(), shares,
                new SplittableRandom(spec.getSeed() * 0x9E3779B97F4A7C15L + seq));
        final List<Integer> asked = new java.util.ArrayList<>();
        for (int i = 0; i < shards.length; i++) {
            if (counts[i] > 0) {
                asked.add(shards[i]);
                final ShardMessage.DrawRequest request = new ShardMessage.DrawRequest(spec.getRunId(), seq, shards[i],
                        counts[i], plan, totals, shares[i]);
                context.forward(new Record<>(spec.getRunId(), Routed.of(SamplerEvent.of(request)), now()));
            }
        }
        final Pending requested = new Pending(plan.phase(), asked);
        pendingOf(spec.getRunId()).put(seq, requested);
        pendingStore.put(StoreKeys.key(spec.getRunId(), seq), requested.toBytes());
        return new Coordinated(run.progress(), seq + 1, run.shards(), false);
    }

    private Coordinated emit(final Coordinated run, final Pending pending, final Map<Integer, ShardMessage.DrawPart> in) {
        final RunSpec spec = run.progress().spec();
        final long seq = run.progress().nextBatchSeq();
        final int size = in.values().stream().mapToInt(p -> p.sampleIds().length).sum();
        final long[] ids = new long[size];
        final int[] labels = new int[size];
        final float[] weights = new float[size];
        final double[] probabilities = new double[size];
        int at = 0;
        for (final int shard : pending.shards()) {
            final ShardMessage.DrawPart part = in.get(shard);
            final int n = part.sampleIds().length;
            System.arraycopy(part.sampleIds(), 0, ids, at, n);
            System.arraycopy(part.labels(), 0, labels, at, n);
            System.arraycopy(part.weights(), 0, weights, at, n);
            System.arraycopy(part.probabilities(), 0, probabilities, at, n);
            at += n;
            partStore.delete(partKey(spec.getRunId(), seq, shard));
        }
        if (size != spec.getBatchSize()) {
            LOG.warn("run {}: batch {} has {} samples, not {} (a shard had lost the run's samples)", spec.getRunId(), seq,
                    size, spec.getBatchSize());
        }
        parts.get(spec.getRunId()).remove(seq);
        final IndexBatch batch = IndexBatches.of(spec, seq, run.progress().acked().length, ids, weights, probabilities,
                pending.phase(), now());
        context.forward(new Record<>(spec.getRunId(), Routed.of(batch), now()));
        metrics.batchEmitted(size);
        lastEss.put(spec.getRunId(), IndexBatches.effectiveSampleSize(weights));
        pendingOf(spec.getRunId()).remove(seq);
        pendingStore.delete(StoreKeys.key(spec.getRunId(), seq));
        return new Coordinated(run.progress().afterBatch(labels), run.nextRequested(), run.shards(), false);
    }

    private void publishSnapshots() {
        final long now = now();
        runs.forEach((runId, run) -> {
            if (run.refused()) {
                return;
            }
            final RunProgress progress = run.progress();
            final RunSpec spec = progress.spec();
            final ShardedDraw.Totals totals = ShardedDraw.Totals.of(run.shards().values());
            final Map.Entry<Long, Pending> last = pendingOf(runId).lastEntry();
            snapshots.publish(new RunSnapshot(runId, spec.getDataset(), spec.getPolicy(),
                    FlowControl.budgetSpent(spec, progress.nextBatchSeq()) ? "FINISHED" : spec.getState().name(),
                    last == null ? "-" : last.getValue().phase(), totals.population(), progress.nextBatchSeq(),
                    progress.acked().clone(), FlowControl.leads(progress), progress.classDraws().clone(),
                    lastEss.getOrDefault(runId, Double.NaN), -1,
                    Map.of("tau", totals.tau(), "shards", (double) run.shards().size()), List.of(), now));
        });
    }

    private TreeMap<Long, Pending> pendingOf(final String runId) {
        return pending.computeIfAbsent(runId, id -> new TreeMap<>());
    }

    private void save(final Coordinated run) {
        runs.put(run.progress().spec().getRunId(), run);
        runStore.put(run.progress().spec().getRunId(), run.toBytes());
    }

    private static String partKey(final String runId, final long seq, final int shard) {
        return StoreKeys.key(runId, seq) + "/" + shard;
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    @Override
    public void close() {
        runs.keySet().forEach(snapshots::remove); // another instance coordinates them now
    }

    /** A batch requested from the shards and not yet emitted: its phase and the shards asked. */
    record Pending(String phase, List<Integer> shards) {
        byte[] toBytes() {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(phase);
                out.writeInt(shards.size());
                for (final int shard : shards) {
                    out.writeInt(shard);
                }
            } catch (IOException e) {
                throw new SerializationException("cannot encode a pending batch", e);
            }
            return bytes.toByteArray();
        }

        static Pending fromBytes(final byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                final String phase = in.readUTF();
                final List<Integer> asked = new java.util.ArrayList<>();
                for (int j = in.readInt(); j > 0; j--) {
                    asked.add(in.readInt());
                }
                return new Pending(phase, asked);
            } catch (IOException e) {
                throw new SerializationException("cannot decode a pending batch", e);
            }
        }
    }

    /**
     * A sharded run as its coordinator keeps it.
     *
     * @param nextRequested the next batch to request from the shards (≥ progress.nextBatchSeq)
     * @param refused the run cannot be coordinated (invalid, or its policy cannot be sharded)
     */
    record Coordinated(RunProgress progress, long nextRequested, TreeMap<Integer, ShardedDraw.Summary> shards,
                       boolean refused) {
        private static final byte FORMAT = 2;

        Coordinated with(final RunProgress newProgress) {
            return new Coordinated(newProgress, nextRequested, shards, refused);
        }

        byte[] toBytes() {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(FORMAT);
                final byte[] p = progress.toBytes();
                out.writeInt(p.length);
                out.write(p);
                out.writeLong(nextRequested);
                out.writeBoolean(refused);
                out.writeInt(shards.size());
                for (final Map.Entry<Integer, ShardedDraw.Summary> e : shards.entrySet()) {
                    out.writeInt(e.getKey());
                    ShardMessage.writeSummary(out, e.getValue());
                }
            } catch (IOException e) {
                throw new SerializationException("cannot encode the coordinator state of " + progress.spec().getRunId(), e);
            }
            return bytes.toByteArray();
        }

        static Coordinated fromBytes(final byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                if (in.readByte() != FORMAT) {
                    throw new SerializationException("coordinator state: unknown format");
                }
                final RunProgress progress = RunProgress.fromBytes(in.readNBytes(in.readInt()));
                final long nextRequested = in.readLong();
                final boolean refused = in.readBoolean();
                final TreeMap<Integer, ShardedDraw.Summary> shards = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    shards.put(in.readInt(), ShardMessage.readSummary(in));
                }
                return new Coordinated(progress, nextRequested, shards, refused);
            } catch (IOException e) {
                throw new SerializationException("cannot decode coordinator state", e);
            }
        }
    }
}
