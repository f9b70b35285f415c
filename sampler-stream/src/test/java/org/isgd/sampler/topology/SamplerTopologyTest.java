package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.run.History;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SamplerTopologyTest {
    private static final String DATASET = "toy";

    private TopologyTestDriver driver;
    private SamplerMetrics metrics;
    private final RunDirectory<RunTable> directory = new RunDirectory<>();
    private final ReferenceLossTable references = new ReferenceLossTable();
    private TestInputTopic<String, RunSpec> runs;
    private TestInputTopic<Long, SampleRegistered> samples;
    private TestInputTopic<Long, SamplePrediction> predictions;
    private TestInputTopic<String, TrainerProgress> progress;
    private TestInputTopic<Long, byte[]> rawPredictions;
    private TestOutputTopic<String, IndexBatch> batches;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    @BeforeEach
    void start() throws Exception {
        final Path stateDir = Files.createTempDirectory("sampler-topology");
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sampler-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        metrics = new SamplerMetrics();
        driver = new TopologyTestDriver(SamplerTopology.build(metrics, new RunSnapshots(), directory,
                RunSettings.defaults(), null, 1, 1, 1, references), props);
        runs = input(Topics.RUNS);
        samples = input(Topics.SAMPLES);
        predictions = input(Topics.PREDICTIONS);
        progress = input(Topics.PROGRESS);
        rawPredictions = driver.createInputTopic(Topics.PREDICTIONS.name(), Serdes.Long().serializer(),
                Serdes.ByteArray().serializer());
        batches = driver.createOutputTopic(Topics.BATCHES.name(), Topics.BATCHES.keySerde().deserializer(),
                Topics.BATCHES.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.ByteArray().deserializer(),
                Topics.DEAD_LETTERS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private <K, V> TestInputTopic<K, V> input(final Topic<K, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private void register(final int n) {
        for (long id = 0; id < n; id++) {
            samples.pipeInput(id, new SampleRegistered(id, DATASET, (int) (id % 10), null, 0L));
        }
    }

    private void createRun(final String runId, final int batchSize, final int lead, final Long budget) {
        runs.pipeInput(runId, RunSpec.newBuilder().setRunId(runId).setDataset(DATASET).setPolicy("uniform")
                .setBatchSize(batchSize).setSeed(7L).setLead(lead).setBudgetBatches(budget).setParams(Map.of()).build());
        driver.advanceWallClockTime(SamplerTopology.DEFAULT_SETTLE.plusMillis(100)); // the punctuator applies isgd.runs
    }

    private void ack(final String runId, final long batchSeq) {
        progress.pipeInput(runId, new TrainerProgress(runId, 0, batchSeq, batchSeq, 1f, 0L));
    }

    private static SamplePrediction prediction(final long id, final float pCorrect) {
        return new SamplePrediction("r1", id, 0L, 1L, (int) (id % 10), pCorrect, (float) -Math.log(Math.max(pCorrect, 1e-6)),
                1f - pCorrect, 0, "t0", -1, 5L);
    }

    @Test
    void progressDrivesEmissionAndEmissionStopsAtTheLead() {
        register(100);
        createRun("r1", 10, 4, null);

        List<IndexBatch> emitted = batches.readValuesToList();
        assertEquals(List.of(0L, 1L, 2L, 3L), emitted.stream().map(IndexBatch::getBatchSeq).toList(),
                "with nothing acknowledged, exactly `lead` batches go out");
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(batches.isEmpty(), "no batch beyond the lead without an acknowledgement");

        ack("r1", 0);
        assertEquals(List.of(4L), batches.readValuesToList().stream().map(IndexBatch::getBatchSeq).toList());
        ack("r1", 3);
        assertEquals(List.of(5L, 6L, 7L), batches.readValuesToList().stream().map(IndexBatch::getBatchSeq).toList());
        ack("r1", 2); // late, out-of-order acknowledgement: changes nothing
        assertTrue(batches.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void uniformBatchesCoverThePopulationWithUnitWeights() {
        register(50);
        createRun("r1", 10, 2, null);
        final Set<Long> seen = new HashSet<>();
        for (long k = 0; k < 60; k++) {
            ack("r1", k);
        }
        final List<IndexBatch> emitted = batches.readValuesToList();
        assertEquals(62, emitted.size());
        final long[] perClass = new long[10];
        emitted.forEach(b -> b.getSampleIds().forEach(id -> perClass[(int) (id % 10)]++));
        final RunProgress progress = RunProgress.fromBytes(
                driver.<String, byte[]>getKeyValueStore(StoreKeys.RUNS).get("r1"));
        assertArrayEquals(perClass, progress.classDraws(), "draws per class are counted as batches go out");
        for (final IndexBatch batch : emitted) {
            assertEquals("r1", batch.getRunId());
            assertEquals(10, batch.getSampleIds().size());
            assertTrue(batch.getWeights().stream().allMatch(w -> w == 1f));
            assertTrue(batch.getProbabilities().stream().allMatch(q -> Math.abs(q - 1.0 / 50) < 1e-12));
            assertEquals("uniform", batch.getPolicy());
            seen.addAll(batch.getSampleIds());
        }
        assertEquals(50, seen.size(), "620 uniform draws over 50 samples should reach every one");
    }

    @Test
    void twoRunsWithDifferentPoliciesOnOneSamplerDoNotInterfere() {
        register(40);
        runs.pipeInput("u", RunSpec.newBuilder().setRunId("u").setDataset(DATASET).setPolicy("uniform").setBatchSize(4)
                .setLead(2).setParams(Map.of()).build());
        runs.pipeInput("e", RunSpec.newBuilder().setRunId("e").setDataset(DATASET).setPolicy("early-importance")
                .setBatchSize(8).setLead(3).setParams(Map.of("warmupEpochs", 0.0)).build());
        driver.advanceWallClockTime(SamplerTopology.DEFAULT_SETTLE.plusMillis(100));
        final SamplePrediction hard = prediction(7, 0.01f);
        hard.setRunId("e");
        predictions.pipeInput(7L, hard); // only run e learns that sample 7 is hard
        ack("u", 0);
        final List<IndexBatch> emitted = batches.readValuesToList();
        final List<IndexBatch> u = emitted.stream().filter(b -> b.getRunId().equals("u")).toList();
        final List<IndexBatch> e = emitted.stream().filter(b -> b.getRunId().equals("e")).toList();
        assertEquals(List.of(0L, 1L, 2L), u.stream().map(IndexBatch::getBatchSeq).toList(), "u: its own lead and acks");
        assertEquals(List.of(0L, 1L, 2L), e.stream().map(IndexBatch::getBatchSeq).toList(), "e: unaffected by u's ack");
        assertTrue(u.stream().allMatch(b -> b.getSampleIds().size() == 4 && b.getPolicy().equals("uniform")));
        assertTrue(e.stream().allMatch(b -> b.getSampleIds().size() == 8 && b.getPolicy().equals("early-importance")));
        final SampleState uState = stateOrNull("u", 7);
        assertEquals(null, uState, "a prediction for run e leaves run u's importance alone");
        assertEquals(1, stateOrNull("e", 7).visits());
    }

    @Test
    void pausedRunsStopAndResumeWhereTheyWere() {
        register(20);
        createRun("r1", 5, 2, null);
        assertEquals(2, batches.readValuesToList().size());
        runs.pipeInput("r1", RunSpec.newBuilder().setRunId("r1").setDataset(DATASET).setPolicy("uniform")
                .setBatchSize(5).setSeed(7L).setLead(2).setParams(Map.of()).setState(RunState.PAUSED).build());
        driver.advanceWallClockTime(Duration.ofMillis(200));
        ack("r1", 0);
        ack("r1", 1);
        assertTrue(batches.isEmpty(), "a paused run gets no batches, acknowledged or not");
        runs.pipeInput("r1", RunSpec.newBuilder().setRunId("r1").setDataset(DATASET).setPolicy("uniform")
                .setBatchSize(5).setSeed(7L).setLead(2).setParams(Map.of()).setState(RunState.ACTIVE).build());
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertEquals(List.of(2L, 3L), batches.readValuesToList().stream().map(IndexBatch::getBatchSeq).toList());
    }

    @Test
    void dataParallelRanksGetEveryWorldSizethBatchAndTheirOwnLead() {
        register(20);
        runs.pipeInput("dp", RunSpec.newBuilder().setRunId("dp").setDataset(DATASET).setPolicy("uniform").setBatchSize(2)
                .setLead(2).setWorldSize(2).setParams(Map.of()).build());
        driver.advanceWallClockTime(SamplerTopology.DEFAULT_SETTLE.plusMillis(100));
        List<IndexBatch> emitted = batches.readValuesToList();
        assertEquals(List.of(0L, 1L, 2L, 3L), emitted.stream().map(IndexBatch::getBatchSeq).toList());
        assertEquals(List.of(0, 1, 0, 1), emitted.stream().map(IndexBatch::getRank).toList());
        progress.pipeInput("dp", new TrainerProgress("dp", 1, 1L, 1L, 1f, 0L)); // rank 1 acks its first batch
        assertTrue(batches.isEmpty(), "batch 4 is rank 0's, and rank 0 has acknowledged nothing");
        progress.pipeInput("dp", new TrainerProgress("dp", 0, 0L, 1L, 1f, 0L));
        emitted = batches.readValuesToList();
        assertEquals(List.of(4L, 5L), emitted.stream().map(IndexBatch::getBatchSeq).toList());
        assertEquals(List.of(0, 1), emitted.stream().map(IndexBatch::getRank).toList());
    }

    /** A sample's state as the query API gets it: asked of the run's task (here, the test's own thread). */
    private SampleState stateOrNull(final String runId, final long sampleId) {
        final RunTable.SampleView view = directory.await(runId, table -> table.sample(runId, sampleId),
                Duration.ofSeconds(1));
        return view == null ? null : view.state();
    }

    @Test
    void theBudgetEndsTheRun() {
        register(20);
        createRun("r1", 5, 8, 3L);
        for (long k = 0; k < 3; k++) {
            ack("r1", k);
        }
        assertEquals(3, batches.readValuesToList().size());
    }

    @Test
    void predictionsUpdateTheImportanceStore() {
        register(10);
        createRun("r1", 4, 1, null);
        predictions.pipeInput(3L, prediction(3, 0.25f));
        predictions.pipeInput(3L, prediction(3, 0.75f));

        final SampleState state = stateOrNull("r1", 3);
        assertEquals(2, state.visits());
        assertEquals(0.75f, state.pCorrect());
        assertEquals(2, metrics.predictionsApplied());
    }

    @Test
    void badRecordsGoToTheDeadLettersWithTheReasonAndProcessingContinues() {
        register(10);
        createRun("r1", 4, 1, null);
        batches.readValuesToList();

        rawPredictions.pipeInput(1L, new byte[] {1, 2, 3});
        predictions.pipeInput(1L, prediction(1, Float.NaN));
        predictions.pipeInput(2L, prediction(1, 0.5f)); // key says 2, value says 1
        predictions.pipeInput(99L, prediction(99, 0.5f)); // never registered
        final SamplePrediction unknownRun = prediction(4, 0.5f);
        unknownRun.setRunId("nope");
        predictions.pipeInput(4L, unknownRun);
        final SamplePrediction wrongLabel = prediction(5, 0.5f);
        wrongLabel.setLabel(9);
        predictions.pipeInput(5L, wrongLabel);
        ack("r1", 42);
        predictions.pipeInput(6L, prediction(6, 0.5f)); // a good one after all that

        final List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(List.of("malformed", "invalid-field", "key-mismatch", "unknown-sample", "unknown-run",
                "label-mismatch", "bad-ack"), letters.stream().map(l -> DeadLetters.kind(l.getError())).toList());
        assertEquals(Topics.PREDICTIONS.name(), letters.get(0).getTopic());
        assertEquals(0L, letters.get(0).getOffset());
        assertEquals(1, metrics.predictionsApplied());
        assertEquals(1L, metrics.deadLetters().get("malformed"));
    }

    @Test
    void redeliveredAndOutOfOrderPredictionsAreIgnoredAndCounted() {
        register(10);
        createRun("r1", 4, 1, null);
        final SamplePrediction first = prediction(3, 0.25f);
        first.setBatchSeq(5L);
        first.setPosition(2);
        predictions.pipeInput(3L, first);
        predictions.pipeInput(3L, first); // redelivered
        final SamplePrediction sameBatchOtherPosition = prediction(3, 0.5f);
        sameBatchOtherPosition.setBatchSeq(5L);
        sameBatchOtherPosition.setPosition(7); // drawn twice in batch 5: a real second visit
        predictions.pipeInput(3L, sameBatchOtherPosition);
        final SamplePrediction older = prediction(3, 0.9f);
        older.setBatchSeq(4L);
        predictions.pipeInput(3L, older); // arrives late: older than the store
        final SampleState state = stateOrNull("r1", 3);
        assertEquals(2, state.visits());
        assertEquals(0.5f, state.pCorrect());
        assertEquals(2, metrics.duplicatesIgnored(), "redelivery and late prediction ignored, not dead-lettered");
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void everyAppliedPredictionIsKeptInTheHistory() {
        register(10);
        createRun("r1", 4, 1, null);
        for (int visit = 0; visit < 3; visit++) {
            final SamplePrediction p = prediction(2, 0.2f + 0.3f * visit);
            p.setBatchSeq((long) visit);
            p.setTimestamp(1000L * (visit + 1));
            predictions.pipeInput(2L, p);
        }
        final List<Float> pCorrect = new java.util.ArrayList<>();
        final List<Long> times = new java.util.ArrayList<>();
        final RunTable.SampleView view = directory.await("r1", table -> table.sample("r1", 2), Duration.ofSeconds(1));
        final KeyValueStore<String, byte[]> journal = driver.getKeyValueStore(StoreKeys.JOURNAL);
        for (final History.Entry entry : History.of(2, view.state().label(), view.lastApply(),
                index -> journal.get(RunTable.journalKey("r1", index)))) {
            pCorrect.add(entry.state().pCorrect());
            times.add(entry.timestamp());
        }
        assertEquals(List.of(0.2f, 0.5f, 0.8f), pCorrect);
        assertEquals(List.of(1000L, 2000L, 3000L), times);
    }

    @Test
    void oversizedAndUndecodableRunSpecsBecomeDeadLettersOnce() {
        register(10);
        final TestInputTopic<String, byte[]> rawRuns = driver.createInputTopic(Topics.RUNS.name(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer());
        rawRuns.pipeInput("bad", new byte[] {(byte) 0xC3, 0x01, 1, 2});
        rawRuns.pipeInput("huge", new byte[100_000]);
        driver.advanceWallClockTime(Duration.ofMillis(200));
        driver.advanceWallClockTime(Duration.ofMillis(200));
        final List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(List.of("malformed", "oversized"), letters.stream().map(l -> DeadLetters.kind(l.getError())).toList());
        assertEquals(Topics.RUNS.name(), letters.get(0).getTopic());
        assertEquals(0L, letters.get(0).getOffset());
    }

    @Test
    void oversizedPredictionsAreRefused() {
        register(10);
        createRun("r1", 4, 1, null);
        rawPredictions.pipeInput(1L, new byte[200_000]);
        assertEquals("oversized", DeadLetters.kind(deadLetters.readValue().getError()));
    }

    @Test
    void aRunWithAnUnknownPolicyIsRefusedOnceNamingItsPartitionAndOffset() {
        register(10);
        createRun("good", 4, 1, null); // offset 0 of isgd.runs
        runs.pipeInput("bad", RunSpec.newBuilder().setRunId("bad").setDataset(DATASET).setPolicy("magic")
                .setBatchSize(4).setParams(Map.of()).setState(RunState.ACTIVE).build()); // offset 1
        driver.advanceWallClockTime(Duration.ofMillis(200));
        driver.advanceWallClockTime(Duration.ofMillis(200));
        final List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(1, letters.size());
        assertTrue(letters.get(0).getError().contains("unknown policy 'magic'"), letters.get(0).getError());
        assertEquals(Topics.RUNS.name(), letters.get(0).getTopic());
        assertEquals(0, letters.get(0).getPartition(), "refused after the global store read it, it still says where");
        assertEquals(1L, letters.get(0).getOffset());
        assertTrue(batches.readValuesToList().stream().noneMatch(b -> b.getRunId().equals("bad")));
    }

    @Test
    void aNewRunWaitsForRegistrationsToPauseBeforeItsFirstBatch() {
        register(10);
        runs.pipeInput("r1", RunSpec.newBuilder().setRunId("r1").setDataset(DATASET).setPolicy("uniform")
                .setBatchSize(5).setLead(2).setParams(Map.of()).build());
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertTrue(batches.isEmpty(), "samples arrived 200 ms ago: the population may still be filling");
        register(20);
        driver.advanceWallClockTime(SamplerTopology.DEFAULT_SETTLE.plusMillis(1));
        final List<IndexBatch> first = batches.readValuesToList();
        assertEquals(2, first.size());
        assertTrue(first.get(0).getProbabilities().stream().allMatch(q -> Math.abs(q - 1.0 / 20) < 1e-12),
                "the first batch is drawn from the whole population");
    }

    @Test
    void aRunWithAMinimumPopulationWaitsForIt() {
        register(10);
        runs.pipeInput("r1", RunSpec.newBuilder().setRunId("r1").setDataset(DATASET).setPolicy("uniform")
                .setBatchSize(5).setLead(2).setMinPopulation(30L).setParams(Map.of()).build());
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertTrue(batches.isEmpty(), "10 of 30 samples: no batch, however long registrations pause");
        register(30);
        final List<IndexBatch> first = batches.readValuesToList();
        assertEquals(2, first.size());
        assertTrue(first.get(0).getProbabilities().stream().allMatch(q -> Math.abs(q - 1.0 / 30) < 1e-12));
    }

    @Test
    void aSampleRegisteredMidRunJoinsThePopulation() {
        register(10);
        createRun("r1", 10, 1, null);
        samples.pipeInput(500L, new SampleRegistered(500L, DATASET, 3, null, 0L));
        final Set<Long> seen = new HashSet<>();
        for (long k = 0; k < 40; k++) {
            ack("r1", k);
        }
        batches.readValuesToList().forEach(b -> seen.addAll(b.getSampleIds()));
        assertTrue(seen.contains(500L));
    }
}
