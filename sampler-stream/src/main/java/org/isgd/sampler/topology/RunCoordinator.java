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
import org.isgd.contract.IndexBatchCodec;
import org.isgd.sampler.run.IndexBatches;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.WalkInterleave;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.sampling.FlowControl;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.TrainerProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of sharded runs, one task per run (keyed by runId): keeps the run's flow
 * control and its shards' latest summaries, keeps each shard's stock of samples drawn ahead
 * ({@link ShardStock}: grants of several batches' worth, topped up as batches use them), and
 * assembles each batch the lead allows from the stock — how many from each shard a seeded
 * multinomial over their chances ({@link ShardedDraw}), or for a walk (selective-backprop, infobatch) the
 * shards' walks interleaved candidate by candidate ({@link WalkInterleave}) — without a round trip
 * to the shards per batch. Grants, stock and acknowledgements travel through Kafka inside exactly-once
 * transactions; the run's progress, summaries and grant counter are changelogged, the stock is
 * not (after a restart it is drawn again), so a batch is neither lost nor repeated when
 * instances come and go.
 */
final class RunCoordinator implements Processor<String, SamplerEvent, String, Routed<Object>> {
    static final String RUNS = StoreKeys.COORDINATOR_RUNS;
    /** The stock covers the draws of about this long at the run's recent pace (and at least {@link #MIN_STOCK_BATCHES}). */
    private static final double STOCK_SECONDS = 0.3;
    private static final int MIN_STOCK_BATCHES = 8;
    private static final Logger LOG = LoggerFactory.getLogger(RunCoordinator.class);

    private final SamplerMetrics metrics;
    private final RunSnapshots snapshots;
    private final Duration settle;
    private ProcessorContext<String, Routed<Object>> context;
    private KeyValueStore<String, byte[]> runStore;
    private RunSpecLookup runSpecs;
    private final Map<String, Coordinated> runs = new HashMap<>();
    private final Map<String, SamplingPolicy> planners = new HashMap<>();
    private final Map<String, ShardStock> stocks = new HashMap<>();
    private final Map<String, WalkInterleave> walks = new HashMap<>();
    private final Map<String, Pace> paces = new HashMap<>();
    private final Map<String, long[]> growth = new HashMap<>(); // runId → {first seen, population last grew}
    private final Map<String, Double> lastEss = new HashMap<>();
    private final Map<String, RunSpec> ignoredSpecs = new HashMap<>();


    RunCoordinator(final SamplerMetrics metrics, final RunSnapshots snapshots, final Duration settle) {
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.settle = settle;
    }

    /** A run's recent pace (batches/s, for sizing its stock) and the age of the stock its last batch used. */
    private static final class Pace {
        long since;
        long emitted;
        double batchesPerSecond;
        long stockAgeMs = -1;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<Object>> context) {
        this.context = context;
        // a task revived after an aborted transaction is initialised again: memory must match the restored stores
        runs.clear();
        planners.clear();
        stocks.clear();
        walks.clear();
        paces.clear();
        growth.clear();
        lastEss.clear();
        ignoredSpecs.clear();
        runStore = context.getStateStore(RUNS);
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
                pace(runId, now);
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
        } else if (message instanceof ShardMessage.Stock stock) {
            onStock(stock);
        } else {
            LOG.warn("ignoring {} on the coordinator", message);
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
        save(new Coordinated(run.progress(), run.nextGrant(), shards, run.refused()));
        pump(report.runId());
    }

    private void onStock(final ShardMessage.Stock stock) {
        final ShardStock held = stocks.get(stock.runId());
        if (held == null || !held.receive(stock.shard(), stock.chunk())) {
            LOG.debug("run {}: stock of grant {} from shard {} is no longer awaited; dropped", stock.runId(),
                    stock.chunk().grant(), stock.shard());
            return;
        }
        pump(stock.runId());
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
                    + " (presample runs send candidate batches of k·batchSize, which the sharded draw does not cut);"
                    + " run it on a sampler started with --shards 1";
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

    /**
     * Emits every batch the lead allows and the stock covers, in order, then tops up the stock:
     * a shard is granted more when its stock falls short of what the run's recent pace needs.
     */
    private void pump(final String runId) {
        Coordinated run = runs.get(runId);
        if (run == null || run.refused()) {
            return;
        }
        final Coordinated before = run;
        final RunSpec spec = run.progress().spec();
        final ShardedDraw.Totals totals = ShardedDraw.Totals.of(run.shards().values());
        if (totals.population() == 0 || run.nextGrant() == 0 && !readyToStart(spec, totals)) {
            return;
        }
        final ShardStock stock = stockOf(run);
        final int[] shards = run.shards().entrySet().stream().filter(e -> e.getValue().population() > 0)
                .mapToInt(Map.Entry::getKey).toArray();
        final WalkInterleave walk = planners.get(runId).walks()
                ? walks.computeIfAbsent(runId, id -> new WalkInterleave()) : null;
        final Map<Integer, ShardedDraw.Summary> summaries = run.shards();
        final int[] populations = walk == null ? null
                : java.util.Arrays.stream(shards).map(s -> summaries.get(s).population()).toArray();
        final int[] need = new int[shards.length];
        ShardedDraw.Share[] shares = null;
        while (FlowControl.mayEmit(run.progress(), run.progress().nextBatchSeq())) {
            final long seq = run.progress().nextBatchSeq();
            final ShardedDraw.Plan plan = planners.get(runId).plan(seq, spec.getBatchSize(), totals);
            if (stock.replan(plan) && walk != null) {
                walk.restart();
            }
            shares = ShardedDraw.shares(plan.share(), shards, run.shards(), totals);
            final SplittableRandom random = new SplittableRandom(spec.getSeed() * 0x9E3779B97F4A7C15L + seq);
            if (walk != null) {
                final WalkInterleave.Pick pick = walk.candidates(spec.getBatchSize(), shards, populations, stock,
                        random, need);
                if (pick == null) {
                    break; // the grants below bring what the batch waits for
                }
                java.util.Arrays.fill(need, 0);
                run = emitWalk(run, plan, shards, populations, pick, walk, totals, stock);
                continue;
            }
            final int[] counts = ShardedDraw.counts(spec.getBatchSize(), shares, random);
            boolean covered = true;
            for (int j = 0; j < shards.length; j++) {
                need[j] = counts[j];
                covered &= counts[j] <= stock.available(shards[j]);
            }
            if (!covered) {
                break; // the grants below bring what the batch waits for
            }
            java.util.Arrays.fill(need, 0);
            run = emit(run, plan, shards, shares, counts, totals, stock);
        }
        if (shares == null) {
            shares = ShardedDraw.shares(stock.plan() == null ? 0 : stock.plan().share(), shards, run.shards(), totals);
        }
        // topped up even while the lead holds batches back: the stock is ready when acknowledgements come
        if (stock.plan() != null && spec.getState() == org.isgd.schemas.RunState.ACTIVE
                && !FlowControl.budgetSpent(spec, run.progress().nextBatchSeq())) {
            final double batches = targetBatches(runId, run.progress());
            // a walk's grants count candidates: a batch needs batchSize ÷ the keep rate of them
            final double perSample = walk == null ? 1 : 1 / Math.max(0.01, walk.keepRate());
            for (int j = 0; j < shards.length; j++) {
                // at most what the grants a shard may have in flight can carry
                final int target = (int) Math.min((long) ShardStock.MAX_GRANT * stock.maxInFlight(),
                        Math.ceil(shares[j].chance() * spec.getBatchSize() * batches * 1.25 * perSample) + 16);
                final int count = stock.shortfall(shards[j], target, need[j], now());
                if (count > 0) {
                    final long grant = stock.grant(shards[j], count, now());
                    context.forward(new Record<>(runId, Routed.of(SamplerEvent.of(new ShardMessage.Grant(runId, grant,
                            shards[j], count, stock.plan(), totals, shares[j].proportional()))), now()));
                }
            }
        }
        if (stock.nextGrant() != run.nextGrant()) {
            run = new Coordinated(run.progress(), stock.nextGrant(), run.shards(), false);
        }
        if (run != before) {
            save(run);
        }
    }

    /**
     * How many batches' worth the stock should hold: what the run emitted in the last
     * {@link #STOCK_SECONDS} (at least {@link #MIN_STOCK_BATCHES}), and never more than what the
     * lead lets the trainers have outstanding (each rank lead + 1 batches; for a budgeted run at
     * most the batches left), so its draws are never staler than one more lead window.
     */
    private double targetBatches(final String runId, final RunProgress progress) {
        final RunSpec spec = progress.spec();
        double window = (double) (spec.getLead() + 1) * progress.acked().length;
        if (spec.getBudgetBatches() != null) {
            window = Math.min(window, spec.getBudgetBatches() - progress.nextBatchSeq());
        }
        final Pace pace = paces.get(runId);
        final double recent = pace == null ? 0 : pace.batchesPerSecond * STOCK_SECONDS;
        return Math.min(window, Math.max(MIN_STOCK_BATCHES, recent));
    }

    /** Every sync: the run's emission rate over the last interval, smoothed. */
    private void pace(final String runId, final long now) {
        final Pace pace = paces.computeIfAbsent(runId, id -> new Pace());
        final double seconds = (now - pace.since) / 1000.0;
        if (pace.since > 0 && seconds > 0) {
            final double rate = pace.emitted / seconds;
            pace.batchesPerSecond = pace.batchesPerSecond == 0 ? rate : 0.5 * pace.batchesPerSecond + 0.5 * rate;
        }
        pace.emitted = 0;
        pace.since = now;
    }

    private ShardStock stockOf(final Coordinated run) {
        return stocks.computeIfAbsent(run.progress().spec().getRunId(), id -> new ShardStock(run.nextGrant(),
                planners.get(id).walks() ? ShardStock.WALK_MAX_IN_FLIGHT : ShardStock.MAX_IN_FLIGHT));
    }

    private boolean readyToStart(final RunSpec spec, final ShardedDraw.Totals totals) {
        if (spec.getMinPopulation() != null) {
            return totals.population() >= spec.getMinPopulation();
        }
        final long[] seen = growth.computeIfAbsent(spec.getRunId(), id -> new long[] {now(), now()});
        return !RunSettings.settling(now(), seen[0], seen[1], settle.toMillis());
    }

    /** Batch k from the stock: q_i = P(s) · r_s(i) for a sample of shard s, weights from q_i and N. */
    private Coordinated emit(final Coordinated run, final ShardedDraw.Plan plan, final int[] shards,
                             final ShardedDraw.Share[] shares, final int[] counts, final ShardedDraw.Totals totals,
                             final ShardStock stock) {
        final RunSpec spec = run.progress().spec();
        final int size = spec.getBatchSize();
        final long[] ids = new long[size];
        final int[] labels = new int[size];
        final float[] weights = new float[size];
        final double[] probabilities = new double[size];
        final SamplingPolicy planner = planners.get(spec.getRunId());
        long oldest = Long.MAX_VALUE;
        int at = 0;
        for (int j = 0; j < shards.length; j++) {
            if (counts[j] == 0) {
                continue;
            }
            oldest = Math.min(oldest, stock.take(shards[j], counts[j], ids, labels, probabilities, at));
            for (int i = at; i < at + counts[j]; i++) {
                probabilities[i] *= shares[j].chance();
                weights[i] = planner.weight(probabilities[i], totals.population());
            }
            at += counts[j];
        }
        return send(run, plan, ids, labels, weights, probabilities, oldest);
    }

    /**
     * Batch k of a walk run from the stock: the candidates {@code pick} takes of each shard, of
     * which batchSize were kept; q_i = p_i / N (p_i the keep probability), weight 1, as on one task.
     */
    private Coordinated emitWalk(final Coordinated run, final ShardedDraw.Plan plan, final int[] shards,
                                 final int[] populations, final WalkInterleave.Pick pick, final WalkInterleave walk,
                                 final ShardedDraw.Totals totals, final ShardStock stock) {
        final int size = run.progress().spec().getBatchSize();
        final long[] ids = new long[size];
        final int[] labels = new int[size];
        final float[] weights = new float[size];
        final double[] probabilities = new double[size];
        final long[] oldest = {Long.MAX_VALUE};
        int at = 0;
        for (int j = 0; j < shards.length; j++) {
            if (pick.took()[j] > 0) {
                at += stock.consume(shards[j], pick.took()[j], ids, labels, probabilities, at, oldest);
            }
        }
        if (at != size) {
            throw new IllegalStateException("a walk batch kept " + at + " samples, not " + size);
        }
        final SamplingPolicy planner = planners.get(run.progress().spec().getRunId());
        for (int i = 0; i < size; i++) {
            probabilities[i] /= totals.population();
            weights[i] = planner.weight(probabilities[i], totals.population());
        }
        walk.taken(size, shards, populations, pick);
        return send(run, plan, ids, labels, weights, probabilities, oldest[0]);
    }

    /** Emits the run's next batch and moves its progress on. */
    private Coordinated send(final Coordinated run, final ShardedDraw.Plan plan, final long[] ids, final int[] labels,
                             final float[] weights, final double[] probabilities, final long oldest) {
        final RunSpec spec = run.progress().spec();
        final long seq = run.progress().nextBatchSeq();
        final int size = ids.length;
        final long now = now();
        final byte[] batch = IndexBatchCodec.encode(IndexBatches.batch(spec, seq, run.progress().acked().length, ids,
                weights, probabilities, plan.phase(), now));
        context.forward(new Record<>(spec.getRunId(), Routed.of(new RunOutput.Batch(batch)), now));
        metrics.batchEmitted(size);
        lastEss.put(spec.getRunId(), IndexBatches.effectiveSampleSize(weights));
        final Pace pace = paces.computeIfAbsent(spec.getRunId(), id -> new Pace());
        pace.emitted++;
        pace.stockAgeMs = now - oldest;
        return run.with(run.progress().afterBatch(labels));
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
            final ShardStock stock = stocks.get(runId);
            final Pace pace = paces.get(runId);
            snapshots.publish(new RunSnapshot(runId, spec.getDataset(), spec.getPolicy(),
                    FlowControl.budgetSpent(spec, progress.nextBatchSeq()) ? "FINISHED" : spec.getState().name(),
                    stock == null || stock.plan() == null ? "-" : stock.plan().phase(), totals.population(),
                    progress.nextBatchSeq(),
                    progress.acked().clone(), FlowControl.leads(progress), progress.classDraws().clone(),
                    lastEss.getOrDefault(runId, Double.NaN), -1,
                    Map.of("tau", totals.tau(), "shards", (double) run.shards().size(),
                            "stock", stock == null ? 0.0 : stock.available(),
                            "stockAgeMs", pace == null ? -1.0 : pace.stockAgeMs), List.of(), now));
        });
    }

    private void save(final Coordinated run) {
        runs.put(run.progress().spec().getRunId(), run);
        runStore.put(run.progress().spec().getRunId(), run.toBytes());
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    @Override
    public void close() {
        runs.keySet().forEach(snapshots::remove); // another instance coordinates them now
    }

    /**
     * A sharded run as its coordinator keeps it.
     *
     * @param nextGrant the number of the run's next grant to its shards (grants are never numbered twice)
     * @param refused the run cannot be coordinated (invalid, or its policy cannot be sharded)
     */
    record Coordinated(RunProgress progress, long nextGrant, TreeMap<Integer, ShardedDraw.Summary> shards,
                       boolean refused) {
        private static final byte FORMAT = 3;

        Coordinated with(final RunProgress newProgress) {
            return new Coordinated(newProgress, nextGrant, shards, refused);
        }

        byte[] toBytes() {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(FORMAT);
                final byte[] p = progress.toBytes();
                out.writeInt(p.length);
                out.write(p);
                out.writeLong(nextGrant);
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
                final byte format = in.readByte();
                if (format != FORMAT && format != 2) {
                    throw new SerializationException("coordinator state: unknown format " + format);
                }
                final RunProgress progress = RunProgress.fromBytes(in.readNBytes(in.readInt()));
                // format 2 kept the next batch to request here: any number will do as the next grant's
                final long nextGrant = in.readLong();
                final boolean refused = in.readBoolean();
                final TreeMap<Integer, ShardedDraw.Summary> shards = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    shards.put(in.readInt(), ShardMessage.readSummary(in));
                }
                return new Coordinated(progress, nextGrant, shards, refused);
            } catch (IOException e) {
                throw new SerializationException("cannot decode coordinator state", e);
            }
        }
    }
}
