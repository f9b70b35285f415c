package org.isgd.infra.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.TopicPartition;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.local.IrreducibleLoss;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.feed.KafkaPredictionPublisher;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingBatch;
import org.isgd.trainer.train.TrainingListener;
import org.isgd.trainer.train.TrainingLoop;
import org.isgd.trainer.train.TrainingResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole loop on real parts: an in-process KRaft broker on 127.0.0.1, the Kafka Streams
 * sampler with RocksDB, a DJL trainer on real Fashion-MNIST. The sampler is killed mid-run and a
 * new instance with an empty state directory takes over from the changelog.
 */
class TrainingLoopIT {
    private static final int SAMPLES = 2000;
    private static final int BATCH = 32;
    private static final int BATCHES = 50;
    private static final Path WORK = Path.of("target", "it-loop", UUID.randomUUID().toString());

    private static KafkaBackend broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBackend.start(WORK.resolve("broker"));
        TopicSetup.ensureTopics(client());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static SamplerApp sampler(final String stateDir) throws InterruptedException {
        final SamplerApp app = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(), WORK.resolve(stateDir))
                .withApplicationId("loop-it"));
        app.awaitRunning(Duration.ofSeconds(60));
        return app;
    }

    @Test
    void aTrainerTrainsFiftyBatchesThroughKafkaAcrossASamplerRestart() throws Exception {
        final FashionMnist.Split data = FashionMnist.load(DatasetLocator.fromEnvironment().locate(), SAMPLES, 500);
        final AtomicReference<SamplerApp> sampler = new AtomicReference<>(sampler("sampler-a"));
        try {
            register(data.train().labels());
            final RunSpec spec = RunSpec.newBuilder().setRunId("loop").setDataset("fashion-mnist").setPolicy("uniform")
                    .setParams(Map.of()).setBatchSize(BATCH).setSeed(3L).setLead(4).setBudgetBatches((long) BATCHES).setMinPopulation((long) SAMPLES).build();
            try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(), Topics.RUNS.keySerde().serializer(),
                    Topics.RUNS.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), spec.getRunId(), spec)).get();
            }

            final List<Long> trainedSeqs = Collections.synchronizedList(new ArrayList<>());
            final Map<Long, Integer> draws = new HashMap<>();
            final CompletableFuture<Void> restart = new CompletableFuture<>();
            final TrainingListener listener = new TrainingListener() {
                @Override
                public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                    trainedSeqs.add(batch.batchSeq());
                    for (final long id : batch.sampleIds()) {
                        draws.merge(id, 1, Integer::sum);
                    }
                    if (step == 20) { // kill the sampler while the trainer goes on and runs dry at the lead
                        CompletableFuture.runAsync(() -> {
                            try {
                                sampler.get().close();
                                sampler.set(sampler("sampler-b")); // empty state dir: restored from the changelog
                                restart.complete(null);
                            } catch (Exception e) {
                                restart.completeExceptionally(e);
                            }
                        });
                    }
                }
            };
            final TrainerOptions options = TrainerOptions.builder().model("tiny").seed(1).augment("none")
                    .evalEvery(1000).maxBatches(BATCHES).batchTimeout(Duration.ofSeconds(90)).build();
            final TrainingResult result;
            try (KafkaBatchSource source = new KafkaBatchSource(broker.bootstrapServers(), Map.of(), "loop", 0, 1, 0);
                 KafkaPredictionPublisher sink = new KafkaPredictionPublisher(broker.bootstrapServers(), Map.of(), "it")) {
                result = new TrainingLoop(options, data.train(), data.test()).run(source, sink, listener);
            }
            restart.get();

            assertEquals(BATCHES, result.steps());
            assertEquals(range(BATCHES), trainedSeqs, "every batch trained once, in order");
            assertEquals(range(BATCHES), committedBatchSeqs("loop"), "isgd.batches holds each batch exactly once");
            assertTrue(result.finalEvaluation().testAccuracy() > 0.3,
                    "even a tiny model learns something in 50 batches: " + result.finalEvaluation());

            // the restored importance state counts visits from both sides of the restart
            final Map<Long, Integer> visits = awaitVisits(sampler.get(), BATCHES * BATCH);
            assertEquals(draws, visits);
        } finally {
            sampler.get().close();
        }
    }

    @Test
    void rhoLossCandidateBatchesTrainTheSelectionAndRefreshEveryCandidate() throws Exception {
        final FashionMnist.Split data = FashionMnist.load(DatasetLocator.fromEnvironment().locate(), SAMPLES, 500);
        final SamplerApp app = sampler("sampler-rho");
        try {
            register(data.train().labels());
            // odd samples get an irreducible loss no fresh loss reaches: they are scored, never trained
            final float[] irreducible = new float[SAMPLES];
            for (int i = 1; i < SAMPLES; i += 2) {
                irreducible[i] = 100f;
            }
            IrreducibleLoss.publish(broker.bootstrapServers(), Map.of(), "fashion-mnist", "it", irreducible);
            // and a record that is not one: the sampler's reader refuses it and goes on
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(client(), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(Topics.IRREDUCIBLE_LOSSES.name(),
                        "fashion-mnist".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {1, 2, 3})).get();
            }
            final int batches = 10;
            final RunSpec spec = RunSpec.newBuilder().setRunId("rho").setDataset("fashion-mnist").setPolicy("rho-loss")
                    .setParams(Map.of("presample", 4.0)).setBatchSize(BATCH).setSeed(3L).setLead(4)
                    .setBudgetBatches((long) batches).setMinPopulation((long) SAMPLES).build();
            try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(), Topics.RUNS.keySerde().serializer(),
                    Topics.RUNS.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), spec.getRunId(), spec)).get();
            }
            final Map<Long, Integer> draws = new HashMap<>();
            final List<String> phases = new ArrayList<>();
            final TrainingListener listener = new TrainingListener() {
                @Override
                public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                    phases.add(batch.phase());
                    for (final long id : batch.sampleIds()) {
                        draws.merge(id, 1, Integer::sum);
                    }
                }
            };
            final TrainerOptions options = TrainerOptions.builder().model("tiny").seed(1).augment("none")
                    .evalEvery(1000).maxBatches(batches).batchTimeout(Duration.ofSeconds(90)).build();
            final TrainingResult result;
            try (KafkaBatchSource source = new KafkaBatchSource(broker.bootstrapServers(), Map.of(), "rho", 0, 1, 0);
                 KafkaPredictionPublisher sink = new KafkaPredictionPublisher(broker.bootstrapServers(), Map.of(), "it")) {
                result = new TrainingLoop(options, data.train(), data.test(), IrreducibleLoss.candidates(spec, 0,
                        broker.bootstrapServers(), Map.of(), SAMPLES)).run(source, sink, listener);
            }
            assertEquals(batches, result.steps());
            assertEquals(batches * BATCH, result.images());
            assertEquals(batches * 4L * BATCH, result.scoredImages(), "every candidate was scored");
            assertEquals(Collections.nCopies(batches, "reducible"), phases);
            assertTrue(draws.keySet().stream().allMatch(id -> id % 2 == 0),
                    "only samples with a low irreducible loss are trained: " + draws.keySet());
            // the sampler refreshed every candidate (a walk: 4·32·10 distinct samples) and counted only trained visits
            final Map<Long, SampleState> states = awaitStates(app, "rho", batches * 4 * BATCH);
            assertEquals(batches * 4 * BATCH, states.size());
            final Map<Long, Integer> visits = new HashMap<>();
            states.forEach((id, state) -> {
                if (state.visits() > 0) {
                    visits.put(id, state.visits());
                }
            });
            assertEquals(draws, visits);

            // the sampler reads the losses too, for the noise guards: published again with every seventh sample
            // far above its class's median (the reference gives its label e^-8 of what it gives the class's median
            // sample, below referenceP), a selective-backprop run of the dataset flags exactly those before any visit
            final float[] guard = new float[SAMPLES];
            final java.util.Set<Long> outliers = new java.util.TreeSet<>();
            for (int i = 0; i < SAMPLES; i++) {
                guard[i] = i % 7 == 1 ? 8.1f : 0.1f;
                if (i % 7 == 1) {
                    outliers.add((long) i);
                }
            }
            IrreducibleLoss.publish(broker.bootstrapServers(), Map.of(), "fashion-mnist", "it", guard);
            final RunSpec guarded = RunSpec.newBuilder(spec).setRunId("sb-reference").setPolicy("selective-backprop")
                    .setParams(Map.of()).build();
            try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(), Topics.RUNS.keySerde().serializer(),
                    Topics.RUNS.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), guarded.getRunId(), guarded)).get();
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            java.util.Set<Long> suspects = java.util.Set.of();
            while (System.nanoTime() < deadline && !suspects.equals(outliers)) {
                Thread.sleep(100);
                suspects = app.snapshots().get("sb-reference").map(s -> (java.util.Set<Long>) new java.util.TreeSet<>(
                        s.suspects())).orElse(java.util.Set.of());
            }
            assertEquals(outliers, suspects);
            assertEquals(2 * SAMPLES, app.metrics().referenceLossesRead());
            assertEquals(1, app.metrics().referenceRecordsRefused());
        } finally {
            app.close();
        }
    }

    private static Map<Long, SampleState> awaitStates(final SamplerApp app, final String runId, final int count)
            throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<Long, SampleState> states = Map.of();
        while (System.nanoTime() < deadline && states.size() < count) {
            Thread.sleep(200);
            states = app.sampleStates(runId);
        }
        return states;
    }

    private static void register(final int[] labels) {
        SampleRegistration.register(client(), "fashion-mnist", labels, 0, labels.length, 0, "register");
    }

    private static Map<Long, Integer> awaitVisits(final SamplerApp app, final int total) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<Long, Integer> visits = Map.of();
        while (System.nanoTime() < deadline) {
            visits = new HashMap<>();
            for (final Map.Entry<Long, SampleState> e : app.sampleStates("loop").entrySet()) {
                visits.put(e.getKey(), e.getValue().visits());
            }
            if (visits.values().stream().mapToInt(Integer::intValue).sum() >= total) {
                return visits;
            }
            Thread.sleep(200);
        }
        return visits;
    }

    private static List<Long> committedBatchSeqs(final String runId) {
        final Map<String, Object> config = client();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<Long> seqs = new ArrayList<>();
        try (KafkaConsumer<String, IndexBatch> consumer = new KafkaConsumer<>(config, Topics.BATCHES.keySerde().deserializer(),
                Topics.BATCHES.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(Topics.BATCHES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (final ConsumerRecord<String, IndexBatch> r : consumer.poll(Duration.ofMillis(200))) {
                    if (runId.equals(r.key())) {
                        seqs.add(r.value().getBatchSeq());
                    }
                }
            }
        }
        return seqs;
    }

    private static List<Long> range(final int n) {
        final List<Long> list = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            list.add(i);
        }
        return list;
    }
}
