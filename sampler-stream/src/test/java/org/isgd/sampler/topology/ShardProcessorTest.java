package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.contract.Topics;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.run.PredictionRows;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One shard task's processor alone, on a mock context with in-memory stores (Kafka's WordCountProcessorTest way). */
class ShardProcessorTest {
    private static final int SHARDS = 4;
    private static final int SHARD = 1;
    private static final AvroSerde<PredictionBatch> BATCHES = AvroSerde.of(PredictionBatch.class);

    private final SamplerMetrics metrics = new SamplerMetrics();
    private final RunDirectory<RunTable> directory = new RunDirectory<>();
    private final ReferenceLossTable references = new ReferenceLossTable();
    private MockProcessorContext<String, Routed<Object>> context;
    private KeyValueStore<String, byte[]> global;
    private ShardProcessor processor;

    @BeforeEach
    void init() {
        context = MockContexts.withStores("shard-processor-test", new TaskId(1, SHARD), StoreKeys.RUNS, StoreKeys.JOURNAL, StoreKeys.SNAPSHOTS, StoreKeys.RUNS_GLOBAL);
        global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
        context.setCurrentSystemTimeMs(1_000_000L);
        processor = new ShardProcessor(metrics, SHARDS, RunSettings.defaults(), references, directory);
        processor.init(context);
    }

    private void createRun(final String runId, final String policy) {
        final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset("d").setPolicy(policy).setParams(Map.of())
                .setBatchSize(4).setLead(2).setWorldSize(2).setMinPopulation(40L).build();
        global.put(runId, Topics.RUNS.valueSerde().serializer().serialize(null, spec));
    }

    private void punctuate() {
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(context.currentSystemTimeMs());
    }

    private void process(final SamplerEvent event) {
        context.setRecordMetadata("isgd-shard-events", SHARD, 7L);
        processor.process(new Record<>("d/1", event, context.currentSystemTimeMs()));
    }

    private <T> List<T> forwarded(final Class<T> type) {
        return context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> !v.isRejected() && v.value() instanceof SamplerEvent e && e.kind() == SamplerEvent.Kind.SHARD
                        && type.isInstance(e.shardMessage()))
                .map(v -> type.cast(((SamplerEvent) v.value()).shardMessage())).toList();
    }

    private SamplerEvent part(final String runId, final int rank, final long batchSeq, final long[] ids, final float p) {
        final int[] labels = new int[ids.length];
        final float[] values = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            labels[i] = (int) (ids[i] % 10);
            values[i] = p;
        }
        final PredictionBatch batch = PredictionBatch.newBuilder().setRunId(runId).setRank(rank).setBatchSeq(batchSeq)
                .setStep(batchSeq).setTrainLoss(0.5f).setTrainerId("t").setTimestamp(999_000L).setCount(ids.length)
                .setSampleIds(Columns.ofLongs(ids)).setLabels(Columns.ofInts(labels)).setPCorrect(Columns.ofFloats(values))
                .setLoss(Columns.ofFloats(values)).setGradNormBound(Columns.ofFloats(values))
                .setPredicted(Columns.ofInts(labels)).build();
        final byte[] raw = BATCHES.encode(batch);
        return SamplerEvent.of(SamplerEvent.Kind.PREDICTION_BATCH, 0, 5L, runId.getBytes(), raw,
                PredictionRows.decode(raw));
    }

    private void population(final String runId, final int from, final int n) {
        final long[] ids = new long[n];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = from + i;
            labels[i] = (from + i) % 10;
        }
        process(SamplerEvent.of(new PopulationChunk(runId, from, ids, labels, 0)));
    }

    @Test
    void samplesAndPredictionPartsReachTheShardsTableAndItsSummaryReachesTheCoordinator() {
        createRun("r", "early-importance");
        population("r", 0, 10);
        punctuate();
        final List<ShardMessage.ShardReport> reports = forwarded(ShardMessage.ShardReport.class);
        assertEquals(1, reports.size());
        assertEquals(10, reports.get(0).summary().population());
        assertEquals(SHARD, reports.get(0).shard());
        assertEquals(0, reports.get(0).summary().seenMass(), 0.0, "nothing predicted yet");

        process(part("r", 1, 3, new long[] {2, 4}, 0.25f));
        process(part("r", 1, 3, new long[] {2, 4}, 0.25f)); // redelivered: applied once
        assertEquals(1, metrics.duplicatesIgnored());
        final RunTable.SampleView view = directory.await(RunDirectory.shardKey("r", SHARD),
                table -> table.sample("r", 2), java.time.Duration.ofSeconds(1));
        assertEquals(1, view.state().visits(), "the query API finds the sample under the shard's key");
        context.resetForwards();
        punctuate();
        final ShardedDraw.Summary after = forwarded(ShardMessage.ShardReport.class).get(0).summary();
        assertEquals(8, after.unseenCount());
        assertTrue(after.seenMass() > 0);
        context.resetForwards();
        punctuate();
        assertTrue(forwarded(ShardMessage.ShardReport.class).isEmpty(), "an unchanged summary is not sent again");
    }

    @Test
    void aGrantIsAnsweredWithStockOfTheShardsSamplesAndNeverWithABatch() {
        createRun("r", "uniform");
        population("r", 0, 10);
        context.resetForwards();
        process(SamplerEvent.of(new ShardMessage.Grant("r", 5, SHARD, 64, new ShardedDraw.Plan("uniform", 0.0),
                new ShardedDraw.Totals(40, 0, 0, 1), 0.0)));
        final List<ShardMessage.Stock> stock = forwarded(ShardMessage.Stock.class);
        assertEquals(1, stock.size());
        assertEquals(5, stock.get(0).chunk().grant());
        assertEquals(64, stock.get(0).chunk().ids().length);
        for (final long id : stock.get(0).chunk().ids()) {
            assertTrue(id >= 0 && id < 10, "one of the shard's samples: " + id);
        }
        assertTrue(context.forwarded().stream().noneMatch(f -> f.record().value().value() instanceof RunOutput.Batch));

        context.resetForwards();
        process(SamplerEvent.of(new ShardMessage.Grant("elsewhere", 1, SHARD, 8, new ShardedDraw.Plan("uniform", 0.0),
                new ShardedDraw.Totals(40, 0, 0, 1), 0.0)));
        assertEquals(0, forwarded(ShardMessage.Stock.class).get(0).chunk().ids().length,
                "a run without samples here gets empty stock, so its coordinator stops waiting");
    }

    @Test
    void aBadPartIsADeadLetterWithItsOriginAndTheShardKeepsGoing() {
        createRun("r", "uniform");
        population("r", 0, 10);
        context.resetForwards();
        process(part("r", 0, 3, new long[] {2}, 0.5f)); // batch 3 is rank 1's
        final List<org.isgd.schemas.DeadLetter> letters = context.forwarded().stream().map(f -> f.record().value())
                .filter(Routed::isRejected).map(Routed::deadLetter).toList();
        assertEquals(1, letters.size());
        assertTrue(letters.get(0).getError().startsWith("bad-ack: batch 3 of run r is not rank 0's"));
        assertEquals(Topics.PREDICTION_BATCHES.name(), letters.get(0).getTopic());
        assertEquals(5L, letters.get(0).getOffset());
        process(part("r", 1, 3, new long[] {2}, 0.5f));
        assertEquals(1, directory.await(RunDirectory.shardKey("r", SHARD), table -> table.sample("r", 2),
                java.time.Duration.ofSeconds(1)).state().visits());
    }

    @Test
    void aShardsNoiseGuardJudgesItsSamplesByTheirLabelsMedianIrreducibleLoss() {
        final long[] ids = new long[20];
        final float[] losses = new float[20];
        for (int i = 0; i < 20; i++) {
            ids[i] = i;
            losses[i] = i == 4 ? 5f : 0.1f;
        }
        references.set(ReferenceLosses.of("d", 1, ids, losses));
        createRun("r", "early-importance");
        population("r", 0, 20); // two samples of each label
        punctuate();
        for (int i = 0; i < 20; i++) {
            final long id = i;
            assertEquals(i == 4, directory.await(RunDirectory.shardKey("r", SHARD), table -> table.sample("r", id)
                    .suspect(), java.time.Duration.ofSeconds(1)), "sample " + i);
        }
    }
}
