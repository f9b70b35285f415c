package org.isgd.infra.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.api.QueryServer;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One run spread over several sampler instances (sharded mode) on a real in-process broker: the
 * emitted distribution is the single-task one (chi-square, with 1, 2 and 3 instances), and batches
 * are neither lost, repeated nor incomplete while instances join and leave mid-run.
 */
class ShardedSamplerIT {
    private static final Path WORK = Path.of("target", "it-shard", UUID.randomUUID().toString());
    private static final int SHARDS = 6;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBackend broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBackend.start(WORK.resolve("broker"));
        TopicSetup.ensureTopics(client());
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * Fixed importance s_i (one prediction per sample, none after), early-importance without
     * warm-up or smoothing: q_i = s_i / Σ s. Draw counts over 300 batches of 32 must fit q
     * (chi-square p > 0.001), every weight must be min(maxWeight, 1/(N q_i)), and every shard
     * instance must have held shards.
     */
    @ParameterizedTest(name = "{0} instance(s)")
    @ValueSource(ints = {1, 2, 3})
    void distributionEqualsTheSingleTaskOne(final int instanceCount) throws Exception {
        final String app = "shard-chi-" + instanceCount;
        final String dataset = "chi-" + instanceCount;
        final String runId = "chi-run-" + instanceCount;
        final int population = 60;
        final int batch = 32;
        final int batches = 300;
        final List<SamplerApp> apps = new ArrayList<>();
        try {
            for (int i = 0; i < instanceCount; i++) {
                apps.add(sampler(app, "chi-" + instanceCount + "-" + i));
            }
            awaitRunning(apps);
            final double[] score = new double[population];
            for (int i = 0; i < population; i++) {
                score[i] = 0.05 + 0.9 * (i % 7) / 6.0;
            }
            register(dataset, 0, population);
            final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset(dataset).setPolicy("early-importance")
                    .setParams(Map.of("warmupEpochs", 0.0, "smoothing", 0.0)).setBatchSize(batch).setSeed(7)
                    .setBudgetBatches((long) batches).setLead(16).setMinPopulation((long) population)
                    .setState(RunState.PAUSED).build();
            put(Topics.RUNS.name(), runId, Topics.RUNS.valueSerde().serializer().serialize(null, spec));
            final long applied = apps.stream().mapToLong(a -> a.metrics().predictionsApplied()).sum();
            // a prediction for a sample its run has not taken in yet is refused (unknown-sample), sharded or not
            await("the shards took in every sample", () -> population(apps.get(0), runId) == population);
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int i = 0; i < population; i++) {
                    final SamplePrediction p = SamplePrediction.newBuilder().setRunId(runId).setSampleId(i).setBatchSeq(0)
                            .setStep(0).setLabel(i % 10).setPCorrect((float) (1 - score[i])).setLoss((float) score[i])
                            .setGradNormBound(1f).setPredicted(0).setTrainerId("it").setPosition(i)
                            .setTimestamp(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(Topics.PREDICTIONS.name(), Topics.PREDICTIONS.keySerde().serializer()
                            .serialize(null, (long) i), Topics.PREDICTIONS.valueSerde().serializer().serialize(null, p)));
                }
            }
            await("every prediction applied", () -> apps.stream().mapToLong(a -> a.metrics().predictionsApplied()).sum()
                    >= applied + population);
            Thread.sleep(1_000); // the shards report their masses every 100 ms
            put(Topics.RUNS.name(), runId, Topics.RUNS.valueSerde().serializer().serialize(null,
                    RunSpec.newBuilder(spec).setState(RunState.ACTIVE).build()));

            final Map<Long, IndexBatch> emitted = trainUntil(runId, batches, () -> { });
            final double total = java.util.Arrays.stream(score).sum();
            final long[] observed = new long[population];
            final double[] expected = new double[population];
            for (final IndexBatch b : emitted.values()) {
                assertEquals(batch, b.getSampleIds().size(), "batch " + b.getBatchSeq() + " complete");
                for (int j = 0; j < b.getSampleIds().size(); j++) {
                    final int id = (int) (long) b.getSampleIds().get(j);
                    observed[id]++;
                    final double q = score[id] / total;
                    assertEquals(q, b.getProbabilities().get(j), 1e-6, "q of sample " + id);
                    assertEquals(Math.min(10.0, 1.0 / (population * q)), b.getWeights().get(j), 1e-4, "weight of " + id);
                }
            }
            for (int i = 0; i < population; i++) {
                expected[i] = (double) batch * batches * score[i] / total;
            }
            final double p = new ChiSquareTest().chiSquareTest(expected, observed);
            System.out.printf("sharded chi-square, %d instance(s), %d shards: %d draws, p = %.4f; tasks %s%n",
                    instanceCount, SHARDS, batch * batches, p, apps.stream().map(SamplerApp::activeTasks).toList());
            assertTrue(p > 0.001, "draw counts fit q_i = s_i / Σs with " + instanceCount + " instance(s): p = " + p);
            // and the same counts refute the uniform distribution the run would have without importance
            final double[] uniform = new double[population];
            java.util.Arrays.fill(uniform, (double) batch * batches / population);
            assertTrue(new ChiSquareTest().chiSquareTest(uniform, observed) < 1e-6, "not uniform");
            if (instanceCount > 1) {
                checkQueryApi(apps, runId, score);
            }
            for (final SamplerApp a : apps) {
                // sub-topologies: 1 routes the contract topics, 2 the shards, 3 the coordinators
                for (final String subtopology : List.of("1_", "2_", "3_")) {
                    assertTrue(a.activeTasks().stream().anyMatch(t -> t.startsWith(subtopology)),
                            "every instance holds tasks of every sub-topology: " + a.activeTasks());
                }
            }
        } finally {
            apps.forEach(ShardedSamplerIT::close);
        }
    }

    /**
     * A run of 360 batches while a second and a third instance join and the first two leave:
     * every batchSeq arrives exactly once, in order, complete, with registered samples only.
     */
    @Test
    void instancesJoinAndLeaveMidRun() throws Exception {
        final String app = "shard-churn";
        final String runId = "churn-run";
        final int population = 500;
        final int batch = 16;
        final int batches = 360;
        final List<SamplerApp> apps = new ArrayList<>();
        try {
            apps.add(sampler(app, "churn-a"));
            awaitRunning(apps);
            register("churn", 0, population);
            final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset("churn").setPolicy("uniform")
                    .setBatchSize(batch).setSeed(3).setBudgetBatches((long) batches).setLead(4)
                    .setMinPopulation((long) population).build();
            put(Topics.RUNS.name(), runId, Topics.RUNS.valueSerde().serializer().serialize(null, spec));
            final int[] step = {0};
            final List<String> events = new ArrayList<>();
            final Map<Long, IndexBatch> emitted = trainUntil(runId, batches, () -> {
                final int seen = step[0]++;
                try {
                    if (seen > 0 && seen % 70 == 0 && !events.isEmpty()) {
                        events.set(events.size() - 1, events.get(events.size() - 1) + " (shard tasks per instance then: "
                                + apps.stream().map(a -> a.activeTasks().stream().filter(t -> t.startsWith("2_")).count())
                                        .toList() + ")");
                    }
                    if (seen == 60) {
                        apps.add(sampler(app, "churn-b"));
                        events.add("b joined at batch " + seen);
                    } else if (seen == 130) {
                        apps.add(sampler(app, "churn-c"));
                        events.add("c joined at batch " + seen);
                    } else if (seen == 200) {
                        close(apps.remove(0));
                        events.add("a left at batch " + seen);
                    } else if (seen == 270) {
                        close(apps.remove(0));
                        events.add("b left at batch " + seen);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(4, events.size(), events.toString());
            System.out.printf("sharded churn: %d batches of %d, every one once, in order, complete; %s%n", batches, batch,
                    events);
            for (long seq = 0; seq < batches; seq++) {
                final IndexBatch b = emitted.get(seq);
                assertEquals(batch, b.getSampleIds().size(), "batch " + seq + " complete");
                b.getSampleIds().forEach(id -> assertTrue(id >= 0 && id < population, "registered sample " + id));
            }
        } finally {
            apps.forEach(ShardedSamplerIT::close);
        }
    }

    /**
     * Two sharded runs with different policies on one dataset and two instances: each stops at its
     * own lead while its trainer does not acknowledge (and not one batch beyond, whatever the other
     * run does), and a sample registered mid-run joins both and is drawn by both. Beside them a
     * selective-backprop and an infobatch run on another dataset, whose shards walk their samples
     * and whose coordinator interleaves the walks: they stop at their lead too, and each of their
     * epochs (every sample never trained, so always kept) holds every sample once.
     */
    @Test
    void twoRunsLeadAndArrivals() throws Exception {
        final String app = "shard-multi";
        final int lead = 3;
        final List<SamplerApp> apps = new ArrayList<>();
        try {
            apps.add(sampler(app, "multi-a"));
            apps.add(sampler(app, "multi-b"));
            awaitRunning(apps);
            register("multi", 0, 200);
            final Map<String, RunSpec> specs = new java.util.LinkedHashMap<>();
            specs.put("multi-uniform", RunSpec.newBuilder().setRunId("multi-uniform").setDataset("multi")
                    .setPolicy("uniform").setBatchSize(8).setSeed(1).setLead(lead).setMinPopulation(200L).build());
            specs.put("multi-ei", RunSpec.newBuilder().setRunId("multi-ei").setDataset("multi")
                    .setPolicy("early-importance").setParams(Map.of("warmupEpochs", 0.0)).setBatchSize(8).setSeed(2)
                    .setLead(lead).setMinPopulation(200L).build());
            // selective-backprop walks: its shards walk their samples, the coordinator interleaves the walks
            register("walk", 0, 160);
            specs.put("multi-sb", RunSpec.newBuilder().setRunId("multi-sb").setDataset("walk")
                    .setPolicy("selective-backprop").setBatchSize(8).setSeed(3).setLead(lead).setMinPopulation(160L)
                    .build());
            specs.put("multi-ib", RunSpec.newBuilder().setRunId("multi-ib").setDataset("walk")
                    .setPolicy("infobatch").setBatchSize(8).setSeed(4).setLead(lead).setMinPopulation(160L)
                    .build());
            specs.forEach((runId, spec) -> put(Topics.RUNS.name(), runId,
                    Topics.RUNS.valueSerde().serializer().serialize(null, spec)));
            final Map<String, List<IndexBatch>> seen = new HashMap<>();
            try (KafkaConsumer<String, IndexBatch> consumer = batchConsumer("multi-trainers");
                 KafkaProducer<byte[], byte[]> producer = producer()) {
                consumer.subscribe(List.of(Topics.BATCHES.name()));
                // no acknowledgement: each run emits batches 0..lead-1 and stops there
                final long quietUntil = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                while (System.nanoTime() < quietUntil) {
                    poll(consumer, specs.keySet(), seen);
                }
                for (final String runId : specs.keySet()) {
                    assertEquals(lead, seen.getOrDefault(runId, List.of()).size(), runId + " stops at its lead of " + lead);
                }
                // a newcomer, then acknowledgements until both runs have drawn it
                register("multi", 1_000, 1);
                final java.util.Set<String> drewNewcomer = new java.util.TreeSet<>();
                final Map<String, Integer> acked = new HashMap<>();
                final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (drewNewcomer.size() < 2 || seen.getOrDefault("multi-sb", List.of()).size() < 40
                        || seen.getOrDefault("multi-ib", List.of()).size() < 40) {
                    assertTrue(System.nanoTime() < deadline, "the newcomer was drawn by " + drewNewcomer + " only");
                    for (final String runId : specs.keySet()) {
                        final List<IndexBatch> batches = seen.getOrDefault(runId, List.of());
                        for (int i = acked.getOrDefault(runId, 0); i < batches.size(); i++) {
                            if (batches.get(i).getSampleIds().contains(1_000L)) {
                                drewNewcomer.add(runId);
                            }
                            final TrainerProgress ack = TrainerProgress.newBuilder().setRunId(runId).setRank(0)
                                    .setBatchSeq(batches.get(i).getBatchSeq()).setStep(i).setTrainLoss(0f)
                                    .setTimestamp(System.currentTimeMillis()).build();
                            producer.send(new ProducerRecord<>(Topics.PROGRESS.name(), Topics.PROGRESS.keySerde()
                                    .serializer().serialize(null, runId), Topics.PROGRESS.valueSerde().serializer()
                                    .serialize(null, ack)));
                        }
                        acked.put(runId, batches.size());
                    }
                    producer.flush();
                    poll(consumer, specs.keySet(), seen);
                }
            }
            // never-trained samples are always kept: each epoch of 160 candidates is 20 batches with every sample once
            for (final String[] walkRun : new String[][] {{"multi-sb", "selective"}, {"multi-ib", "prune"}}) {
                final List<IndexBatch> walked = seen.get(walkRun[0]);
                for (int epoch = 0; epoch < 2; epoch++) {
                    final java.util.Set<Long> once = new java.util.HashSet<>();
                    walked.subList(epoch * 20, epoch * 20 + 20).forEach(b -> once.addAll(b.getSampleIds()));
                    assertEquals(160, once.size(), walkRun[0] + "'s epoch " + epoch + " holds every sample once");
                    assertEquals(walkRun[1], walked.get(epoch * 20).getPhase());
                }
            }
            System.out.printf("sharded runs side by side: each stopped at lead %d without acks; the newcomer was drawn "
                    + "by both (after %s batches)%n", lead, seen.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().size()).toList());
        } finally {
            apps.forEach(ShardedSamplerIT::close);
        }
    }

    /** Polls once; checks that each run's batches come in order, once each. */
    private static void poll(final KafkaConsumer<String, IndexBatch> consumer, final java.util.Set<String> runs,
                             final Map<String, List<IndexBatch>> seen) {
        for (final ConsumerRecord<String, IndexBatch> record : consumer.poll(Duration.ofMillis(200))) {
            final IndexBatch b = record.value();
            if (runs.contains(b.getRunId())) {
                final List<IndexBatch> batches = seen.computeIfAbsent(b.getRunId(), id -> new ArrayList<>());
                assertEquals(batches.size(), b.getBatchSeq(), b.getRunId() + ": batches in order, once each");
                batches.add(b);
            }
        }
    }

    /**
     * The query API of a sharded run from every instance: the run's summary (from its coordinator),
     * each sample's state (from its shard, wherever asked), and the k hardest merged over shards.
     */
    private static void checkQueryApi(final List<SamplerApp> apps, final String runId, final double[] score)
            throws Exception {
        for (final SamplerApp app : apps) {
            final JsonNode run = get(app, "/runs/" + runId);
            assertEquals(score.length, run.path("population").asInt(), run.toString());
            assertTrue(run.path("nextBatchSeq").asLong() > 0, run.toString());
            for (int id = 0; id < score.length; id += 7) {
                final JsonNode sample = get(app, "/runs/" + runId + "/samples/" + id);
                assertEquals(score[id], sample.path("state").path("loss").asDouble(), 1e-6, sample.toString());
                assertEquals(1, get(app, "/runs/" + runId + "/samples/" + id + "/history").path("history").size());
            }
            final JsonNode hardest = get(app, "/runs/" + runId + "/hardest?k=5").path("samples");
            assertEquals(5, hardest.size(), hardest.toString());
            final double top = java.util.Arrays.stream(score).max().orElseThrow();
            hardest.forEach(h -> assertEquals(top, h.path("state").path("loss").asDouble(), 1e-6, hardest.toString()));
        }
        final JsonNode runs = get(apps.get(0), "/runs");
        assertEquals(apps.size(), runs.path("instances").size(), runs.toString());
        System.out.printf("sharded query API: summary, %d samples, history and hardest answered alike by %d instances%n",
                (score.length + 6) / 7, apps.size());
    }

    /**
     * Reads the run's batches (read_committed) and acknowledges each, until batchSeq count − 1;
     * fails on a gap, a repeat or an out-of-order batch. {@code afterEach} runs after each batch.
     */
    private static Map<Long, IndexBatch> trainUntil(final String runId, final int count, final Runnable afterEach)
            throws Exception {
        final Map<Long, IndexBatch> emitted = new HashMap<>();
        final long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        try (KafkaConsumer<String, IndexBatch> consumer = batchConsumer("trainer-" + runId);
             KafkaProducer<byte[], byte[]> producer = producer()) {
            consumer.subscribe(List.of(Topics.BATCHES.name()));
            long next = 0;
            while (next < count) {
                assertTrue(System.nanoTime() < deadline, "run " + runId + " stalled at batch " + next);
                for (final ConsumerRecord<String, IndexBatch> record : consumer.poll(Duration.ofMillis(200))) {
                    final IndexBatch b = record.value();
                    if (!b.getRunId().equals(runId)) {
                        continue;
                    }
                    assertFalse(emitted.containsKey(b.getBatchSeq()), "batch " + b.getBatchSeq() + " emitted twice");
                    assertEquals(next, b.getBatchSeq(), "batches in order");
                    emitted.put(b.getBatchSeq(), b);
                    next++;
                    final TrainerProgress ack = TrainerProgress.newBuilder().setRunId(runId).setRank(0)
                            .setBatchSeq(b.getBatchSeq()).setStep(b.getBatchSeq()).setTrainLoss(0f)
                            .setTimestamp(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(Topics.PROGRESS.name(), Topics.PROGRESS.keySerde().serializer()
                            .serialize(null, runId), Topics.PROGRESS.valueSerde().serializer().serialize(null, ack)));
                    producer.flush();
                    afterEach.run();
                }
            }
            // nothing beyond the budget
            for (final ConsumerRecord<String, IndexBatch> record : consumer.poll(Duration.ofSeconds(2))) {
                assertFalse(record.value().getRunId().equals(runId), "a batch beyond the budget or a repeat: "
                        + record.value().getBatchSeq());
            }
        }
        return emitted;
    }

    /** A trainer's view of isgd.batches: committed batches only, from the start. */
    private static KafkaConsumer<String, IndexBatch> batchConsumer(final String group) {
        final Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, Topics.BATCHES.keySerde().deserializer(),
                Topics.BATCHES.valueSerde().deserializer());
    }

    /** Every sampler gets a query API; closing the sampler closes it. */
    private static final Map<SamplerApp, QueryServer> APIS = new java.util.concurrent.ConcurrentHashMap<>();

    private static SamplerApp sampler(final String applicationId, final String name) throws java.io.IOException {
        final int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final String endpoint = "127.0.0.1:" + port;
        final SamplerApp app = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(), WORK.resolve(name))
                .withApplicationId(applicationId).withShards(SHARDS).withApiEndpoint(endpoint));
        APIS.put(app, QueryServer.start(app, QueryServer.Settings.loopback(port, endpoint)));
        return app;
    }

    private static void close(final SamplerApp app) {
        final QueryServer api = APIS.remove(app);
        if (api != null) {
            api.close();
        }
        app.close();
    }

    private static JsonNode get(final SamplerApp app, final String path) throws Exception {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APIS.get(app).url() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** The run's population as its coordinator has it from the shards' reports; -1 before it answers. */
    private static int population(final SamplerApp app, final String runId) {
        try {
            final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(APIS.get(app).url()
                    + "/runs/" + runId)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()).path("population").asInt(-1) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitRunning(final List<SamplerApp> apps) throws Exception {
        for (final SamplerApp app : apps) {
            app.awaitRunning(Duration.ofSeconds(90));
        }
        await("all instances running", () -> apps.stream().allMatch(a -> a.state() == KafkaStreams.State.RUNNING));
    }

    /** Samples first..first+count-1 of a dataset, label = id mod 10. */
    private static void register(final String dataset, final int first, final int count) {
        final int[] labels = new int[first + count];
        java.util.Arrays.setAll(labels, id -> id % 10);
        SampleRegistration.register(client(), dataset, labels, first, first + count, 0, "register");
    }

    private static void put(final String topic, final String key, final byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        final Map<String, Object> props = new HashMap<>(client());
        return new KafkaProducer<>(props, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    private static Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }
}
