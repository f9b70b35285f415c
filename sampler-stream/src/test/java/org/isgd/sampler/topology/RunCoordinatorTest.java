package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.contract.Topics;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator of sharded runs alone, on a mock context with in-memory stores: it grants
 * each shard stock ahead, assembles batches from that stock (q_i = P(s) · r_s(i)) without a
 * request per batch, lets the lead hold batches back, and after a restart drops stock granted
 * before it.
 */
class RunCoordinatorTest {
    private static final String RUN = "coordinated";
    private static final int BATCH = 8;
    /** Loaded first: creating the contract's serdes lets Avro build isgd's records (see TrustedClasses). */
    private static final org.apache.kafka.common.serialization.Serializer<RunSpec> SPECS =
            Topics.RUNS.valueSerde().serializer();

    private final SamplerMetrics metrics = new SamplerMetrics();
    private MockProcessorContext<String, Routed<Object>> context;
    private RunCoordinator coordinator;

    @BeforeEach
    void init() {
        context = MockContexts.withStores("run-coordinator-test", new TaskId(1, 0), RunCoordinator.RUNS, StoreKeys.RUNS_GLOBAL);
        final RunSpec spec = RunSpec.newBuilder().setRunId(RUN).setDataset("d").setPolicy("uniform").setParams(Map.of())
                .setBatchSize(BATCH).setLead(2).setMinPopulation(30L).build();
        final KeyValueStore<String, byte[]> global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
        global.put(RUN, SPECS.serialize(null, spec));
        context.setCurrentSystemTimeMs(1_000_000L);
        start();
    }

    private void start() {
        coordinator = new RunCoordinator(metrics, new RunSnapshots(), Duration.ZERO);
        coordinator.init(context);
    }

    private void process(final ShardMessage message) {
        coordinator.process(new Record<>(RUN, SamplerEvent.of(message), context.currentSystemTimeMs()));
    }

    private void report(final int shard, final int population) {
        process(new ShardMessage.ShardReport(RUN, shard, new ShardedDraw.Summary(population, 0, population, 0, 0)));
    }

    private void ack(final long batchSeq) {
        final TrainerProgress ack = new TrainerProgress(RUN, 0, batchSeq, batchSeq, 0f, 1L);
        coordinator.process(new Record<>(RUN, SamplerEvent.of(SamplerEvent.Kind.PROGRESS, 0, batchSeq,
                RUN.getBytes(StandardCharsets.UTF_8), Topics.PROGRESS.valueSerde().serializer().serialize(null, ack),
                ack), context.currentSystemTimeMs()));
    }

    private List<ShardMessage.Grant> grants() {
        return context.forwarded().stream().map(f -> f.record().value().value())
                .filter(v -> v instanceof SamplerEvent e && e.shardMessage() instanceof ShardMessage.Grant)
                .map(v -> (ShardMessage.Grant) ((SamplerEvent) v).shardMessage()).toList();
    }

    private List<IndexBatchCodec.Batch> batches() {
        return context.forwarded().stream().map(f -> f.record().value().value())
                .filter(v -> v instanceof RunOutput.Batch)
                .map(v -> IndexBatchCodec.decode(((RunOutput.Batch) v).batch())).toList();
    }

    /** What shard {@code shard} (population n, ids shard·1000 + i) answers to a grant: uniform in the shard. */
    private static ShardMessage.Stock stock(final ShardMessage.Grant grant, final int n) {
        final long[] ids = new long[grant.count()];
        final int[] labels = new int[grant.count()];
        final double[] inShard = new double[grant.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = grant.shard() * 1000L + i % n;
            labels[i] = (int) (ids[i] % 10);
            inShard[i] = 1.0 / n;
        }
        return new ShardMessage.Stock(RUN, grant.shard(), new ShardStock.Chunk(grant.grant(), 0, ids, labels, inShard));
    }

    @Test
    void grantsStockAheadAndAssemblesBatchesFromItWithoutAskingPerBatch() {
        report(0, 10);
        report(1, 30);
        final List<ShardMessage.Grant> grants = grants();
        assertEquals(2, grants.size(), "one grant per shard with samples: " + grants);
        assertTrue(batches().isEmpty(), "no stock yet");
        for (final ShardMessage.Grant g : grants) {
            // the stock's target: at least the lead's window (lead + 1 batches), P(s)·B samples a batch
            assertTrue(g.count() >= 3 * BATCH * (g.shard() == 0 ? 0.25 : 0.75), "several batches' worth: " + g);
        }
        context.resetForwards();
        process(stock(grants.get(0), 10));
        assertTrue(batches().isEmpty(), "shard 1's part is still missing");
        process(stock(grants.get(1), 30));
        List<IndexBatchCodec.Batch> out = batches();
        assertEquals(List.of(0L, 1L), out.stream().map(IndexBatchCodec.Batch::batchSeq).toList(),
                "lead 2: two batches before any acknowledgement");
        for (final IndexBatchCodec.Batch b : out) {
            for (int i = 0; i < b.size(); i++) {
                assertEquals(1.0 / 40, b.probabilities()[i], 1e-15, "q = P(s)·r_s(i) = (N_s/N)·(1/N_s)");
                assertEquals(1f, b.weights()[i]);
            }
        }
        context.resetForwards();
        ack(0);
        ack(1);
        for (final ShardMessage.Grant g : grants()) { // top-ups as the stock drains: answer them
            process(stock(g, g.shard() == 0 ? 10 : 30));
        }
        out = batches();
        assertEquals(List.of(2L, 3L), out.stream().map(IndexBatchCodec.Batch::batchSeq).toList(),
                "acknowledgements release batches, in order");
    }

    @Test
    void afterARestartStockGrantedBeforeItIsDroppedAndGrantedAnew() {
        report(0, 10);
        report(1, 30);
        final List<ShardMessage.Grant> before = grants();
        coordinator.close();
        context.resetForwards();
        start(); // as after a crash: the coordinator's store survives, its stock does not
        report(1, 30);
        final List<ShardMessage.Grant> after = grants();
        assertEquals(2, after.size(), "granted anew: " + after);
        assertTrue(after.stream().allMatch(g -> g.grant() > before.get(1).grant()), "grant numbers never repeat");
        context.resetForwards();
        process(stock(before.get(0), 10));
        process(stock(before.get(1), 30));
        assertTrue(batches().isEmpty(), "stock of grants made before the restart is dropped");
        process(stock(after.get(0), 10));
        process(stock(after.get(1), 30));
        assertEquals(2, batches().size());
    }

    /**
     * A selective-backprop run: grants count candidates, each shard answers with what its walk kept
     * (here every other candidate, keep probability 0.5), and a batch is the first batchSize kept
     * candidates of the interleaved walks, reported with q_i = p_i / N and weight 1.
     */
    @Test
    void aSelectiveBackpropRunInterleavesTheShardsWalks() {
        final String run = "walked";
        final KeyValueStore<String, byte[]> global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
        global.put(run, SPECS.serialize(null, RunSpec.newBuilder().setRunId(run).setDataset("d")
                .setPolicy("selective-backprop").setParams(Map.of()).setBatchSize(BATCH).setLead(2)
                .setMinPopulation(30L).build()));
        for (final int[] shard : new int[][] {{0, 10}, {1, 30}}) {
            coordinator.process(new Record<>(run, SamplerEvent.of(new ShardMessage.ShardReport(run, shard[0],
                    new ShardedDraw.Summary(shard[1], 0, shard[1], 0, 0))), context.currentSystemTimeMs()));
        }
        final List<ShardMessage.Grant> grants = grants().stream().filter(g -> g.runId().equals(run)).toList();
        assertEquals(2, grants.size());
        context.resetForwards();
        for (final ShardMessage.Grant g : grants) {
            assertEquals("selective", g.plan().phase());
            final int kept = g.count() / 2;
            final long[] ids = new long[kept];
            final int[] at = new int[kept];
            final double[] keep = new double[kept];
            for (int i = 0; i < kept; i++) {
                ids[i] = g.shard() * 1000L + i;
                at[i] = 2 * i + 1;
                keep[i] = 0.5;
            }
            coordinator.process(new Record<>(run, SamplerEvent.of(new ShardMessage.Stock(run, g.shard(),
                    new ShardStock.Chunk(g.grant(), 0, ids, new int[kept], keep, at, g.count()))),
                    context.currentSystemTimeMs()));
        }
        final List<IndexBatchCodec.Batch> out = batches();
        assertEquals(2, out.size(), "lead 2");
        for (final IndexBatchCodec.Batch b : out) {
            assertEquals(BATCH, b.size());
            assertEquals("selective", b.phase());
            for (int i = 0; i < b.size(); i++) {
                assertEquals(0.5 / 40, b.probabilities()[i], 1e-15, "q = p_i / N");
                assertEquals(1f, b.weights()[i]);
            }
        }
    }
}
