package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.contract.Topics;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.run.PredictionRows;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The run task's processor alone, on a mock context with in-memory stores (Kafka's WordCountProcessorTest way). */
class RunProcessorTest {
    private static final int PARTITIONS = 4;
    private static final AvroSerde<PredictionBatch> BATCHES = AvroSerde.of(PredictionBatch.class);

    private final SamplerMetrics metrics = new SamplerMetrics();
    private final RunDirectory<RunTable> directory = new RunDirectory<>();
    private final ReferenceLossTable references = new ReferenceLossTable();
    private MockProcessorContext<String, RunOutput> context;
    private KeyValueStore<String, byte[]> global;
    private RunProcessor processor;
    private String run;

    @BeforeEach
    void init() {
        context = MockContexts.withStores("run-processor-test", new TaskId(0, 2), StoreKeys.RUNS, StoreKeys.JOURNAL, StoreKeys.SNAPSHOTS, StoreKeys.RUNS_GLOBAL);
        global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
        run = ownedRun();
        context.setCurrentSystemTimeMs(1_000_000L);
        processor = new RunProcessor(metrics, new RunSnapshots(), directory, RunSettings.defaults(), PARTITIONS,
                references);
        processor.init(context);
    }

    /** A run id this task (partition 2 of 4) owns. */
    private static String ownedRun() {
        for (int i = 0; ; i++) {
            if (KeyPartitions.of("r" + i, PARTITIONS) == 2) {
                return "r" + i;
            }
        }
    }

    private void createRun(final String runId, final int lead) {
        createRun(runId, lead, "uniform");
    }

    private void createRun(final String runId, final int lead, final String policy) {
        final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset("d").setPolicy(policy).setParams(Map.of())
                .setBatchSize(4).setLead(lead).setMinPopulation(20L).build();
        global.put(runId, Topics.RUNS.valueSerde().serializer().serialize(null, spec));
    }

    private void punctuate() {
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(context.currentSystemTimeMs());
    }

    private void process(final SamplerEvent event, final String topic, final int partition) {
        context.setRecordMetadata(topic, partition, 7L);
        processor.process(new Record<>(run, event, context.currentSystemTimeMs()));
    }

    private void population(final String runId, final int n) {
        final long[] ids = new long[n];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            labels[i] = i % 10;
        }
        process(SamplerEvent.of(new PopulationChunk(runId, 0, ids, labels, 0)), "by-run", 2);
    }

    private List<IndexBatchCodec.Batch> batches() {
        return context.forwarded().stream().filter(f -> f.record().value() instanceof RunOutput.Batch)
                .map(f -> IndexBatchCodec.decode(((RunOutput.Batch) f.record().value()).batch())).toList();
    }

    private SamplerEvent answer(final IndexBatchCodec.Batch batch, final int partition) {
        final int[] labels = new int[batch.size()];
        final float[] p = new float[batch.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (int) (batch.sampleIds()[i] % 10);
            p[i] = 0.5f;
        }
        final byte[] value = BATCHES.encode(PredictionBatch.newBuilder().setRunId(batch.runId()).setRank(0)
                .setBatchSeq(batch.batchSeq()).setStep(1L).setTrainLoss(0.5f).setTrainerId("t").setTimestamp(1L)
                .setCount(batch.size()).setSampleIds(Columns.ofLongs(batch.sampleIds())).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(p)).setLoss(Columns.ofFloats(p)).setGradNormBound(Columns.ofFloats(p))
                .setPredicted(Columns.ofInts(labels)).build());
        return SamplerEvent.of(SamplerEvent.Kind.PREDICTION_BATCH, partition, 7L,
                batch.runId().getBytes(StandardCharsets.UTF_8), value, PredictionRows.decode(value));
    }

    @Test
    void theRunsNoiseGuardTakesItsDatasetsIrreducibleLossesAtThePeriodicWork() {
        final long[] ids = new long[20];
        final float[] losses = new float[20];
        for (int i = 0; i < 20; i++) {
            ids[i] = i;
            losses[i] = i == 3 || i == 7 ? 5f : 0.1f; // the reference gives samples 3 and 7 e^-4.9 of their class's median
        }
        references.set(ReferenceLosses.of("other", 1, ids, new float[20])); // another dataset's: not this run's
        references.set(ReferenceLosses.of("d", 1, ids, losses));
        createRun(run, 2, "selective-backprop");
        punctuate(); // the run gets the losses before it has samples: they are applied again when the samples come
        population(run, 20);
        punctuate();
        final Duration wait = Duration.ofSeconds(1);
        for (int i = 0; i < 20; i++) {
            final long id = i;
            assertEquals(i == 3 || i == 7, directory.await(run, table -> table.sample(run, id).suspect(), wait),
                    "sample " + i);
        }
    }

    @Test
    void aRunOfThisTaskStartsFromIsgdRunsTakesItsSamplesAndAnswersPredictionBatchesWithBatches() {
        createRun(run, 2);
        punctuate();
        assertTrue(batches().isEmpty(), "no samples yet");
        population(run, 20);
        final List<IndexBatchCodec.Batch> first = batches();
        assertEquals(List.of(0L, 1L), first.stream().map(IndexBatchCodec.Batch::batchSeq).toList());
        context.resetForwards();

        process(answer(first.get(0), 2), Topics.PREDICTION_BATCHES.name(), 2);
        assertEquals(List.of(2L), batches().stream().map(IndexBatchCodec.Batch::batchSeq).toList());
        assertEquals(4, metrics.predictionsApplied());
        final var view = directory.await(run, table -> table.sample(run, first.get(0).sampleIds()[0]), Duration.ofSeconds(1));
        assertEquals(0L, view.state().lastBatchSeq());
    }

    @Test
    void aPredictionBatchOnAnotherPartitionThanItsRunsIsPassedOnNotApplied() {
        createRun(run, 2);
        punctuate();
        population(run, 20);
        final IndexBatchCodec.Batch first = batches().get(0);
        context.resetForwards();
        process(answer(first, 1), Topics.PREDICTION_BATCHES.name(), 1);
        final RunOutput out = context.forwarded().get(0).record().value();
        final RunOutput.Reroute reroute = assertInstanceOf(RunOutput.Reroute.class, out);
        assertEquals(Topics.PREDICTION_BATCHES.name(), reroute.topic());
        assertEquals(run, new String(reroute.key(), StandardCharsets.UTF_8));
        assertEquals(0, metrics.predictionsApplied());
        assertEquals(1, metrics.misroutedBatches());
    }

    @Test
    void anAcknowledgementThatCannotApplyIsADeadLetterWithItsCoordinates() {
        createRun(run, 2);
        punctuate();
        population(run, 20);
        context.resetForwards();
        final TrainerProgress ack = new TrainerProgress(run, 0, 99L, 1L, 0f, 1L);
        process(SamplerEvent.of(SamplerEvent.Kind.PROGRESS, 2, 41L, run.getBytes(StandardCharsets.UTF_8),
                Topics.PROGRESS.valueSerde().serializer().serialize(null, ack), ack), Topics.PROGRESS.name(), 2);
        final RunOutput.Letter letter = assertInstanceOf(RunOutput.Letter.class,
                context.forwarded().get(0).record().value());
        assertTrue(letter.letter().getError().startsWith("bad-ack: batch 99"), letter.letter().getError());
        assertEquals(Topics.PROGRESS.name(), letter.letter().getTopic());
        assertEquals(41L, letter.letter().getOffset());
        assertEquals(1L, metrics.deadLetters().get("bad-ack"));
    }

    @Test
    void runsOfOtherTasksAreLeftToThem() {
        String other = null;
        for (int i = 0; other == null; i++) {
            other = KeyPartitions.of("o" + i, PARTITIONS) != 2 ? "o" + i : null;
        }
        createRun(other, 2);
        createRun(run, 2);
        punctuate();
        assertTrue(directory.holds(run), "run " + run + " hashes to this task");
        assertFalse(directory.holds(other), "run " + other + " belongs to another task");
    }
}
