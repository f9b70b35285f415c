package org.isgd.infra.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.isgd.contract.Columns;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.query.QueryClient;
import org.isgd.infra.topics.Clients;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.api.QueryServer;
import org.isgd.schemas.PredictionBatch;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.python.PythonProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Python client end to end: the README's example ({@code trainer/python/examples/
 * train_fashion_mnist.py}, Debian's Python and torch) registers 4,000 Fashion-MNIST samples,
 * creates an upper-bound run and trains 120 of its 300 batches against a real broker and sampler,
 * stops, and a second process resumes it to the end. Every batch is trained once and in order,
 * every prediction is applied (the sampler's metric and query API), and the loss each batch
 * reports is the mean of the IndexBatch's weights times the per-sample losses it reported, so the
 * weights were used. Then the client's own broker tests (trainer/python/it): data-parallel ranks,
 * resuming, and its errors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the example first: it counts every prediction applied
class PythonClientIT {
    private static final Path WORK = Path.of("target", "it-python", UUID.randomUUID().toString());
    private static final Path EXAMPLE = Path.of("..", "trainer", "python", "examples", "train_fashion_mnist.py");
    private static final String RUN = "py-it";
    private static final int SAMPLES = 4000;
    private static final int BATCH = 64;
    private static final int BATCHES = 300; // 4.8 epochs of 4,000
    private static final int FIRST_PART = 120;

    private static KafkaBackend broker;
    private static SamplerApp sampler;
    private static QueryServer api;
    private static String apiUrl;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBackend.start(WORK.resolve("broker"));
        TopicSetup.ensureTopics(client());
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final String endpoint = "127.0.0.1:" + port;
        sampler = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(), WORK.resolve("sampler"))
                .withApplicationId("python-it").withApiEndpoint(endpoint));
        api = QueryServer.start(sampler, QueryServer.Settings.loopback(port, endpoint));
        apiUrl = "http://" + endpoint;
        sampler.awaitRunning(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (sampler != null) {
            sampler.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @Test
    @Order(1)
    void theExampleTrainsEveryBatchOnceInOrderAcrossARestart() throws Exception {
        final String first = example("--register", "--create", "--policy", "upper-bound", "--param", "tauThreshold=0",
                "--stop-after", String.valueOf(FIRST_PART));
        assertTrue(first.contains("run " + RUN + " rank 0: starting at batch 0"), first);
        assertTrue(first.contains("trained " + FIRST_PART + " batches"), first);
        final String second = example();
        assertTrue(second.contains("run " + RUN + " rank 0: starting at batch " + FIRST_PART), "resumed after the last "
                + "acknowledged batch:\n" + second);
        assertTrue(second.contains("trained " + (BATCHES - FIRST_PART) + " batches"), second);
        final Matcher accuracy = Pattern.compile("test accuracy (\\d\\.\\d+)").matcher(second);
        assertTrue(accuracy.find(), second);
        assertTrue(Double.parseDouble(accuracy.group(1)) > 0.6, "it learned: " + second);

        final List<Long> expected = LongStream.range(0, BATCHES).boxed().toList();
        final Map<Long, IndexBatchCodec.Batch> drawn = new TreeMap<>();
        final List<Long> emitted = new ArrayList<>();
        for (final ConsumerRecord<byte[], byte[]> r : records(Topics.BATCHES.name())) {
            final IndexBatchCodec.Batch batch = IndexBatchCodec.decode(r.value());
            emitted.add(batch.batchSeq());
            drawn.put(batch.batchSeq(), batch);
        }
        assertEquals(expected, emitted, "the sampler emitted each batch of the budget once, in order");

        final List<Long> reported = new ArrayList<>();
        final Map<Long, Integer> visits = new HashMap<>();
        int weighted = 0;
        for (final ConsumerRecord<byte[], byte[]> r : records(Topics.PREDICTION_BATCHES.name())) {
            final PredictionBatch p = Topics.PREDICTION_BATCHES.valueSerde().deserializer().deserialize(null, r.value());
            reported.add(p.getBatchSeq());
            final IndexBatchCodec.Batch batch = drawn.get(p.getBatchSeq());
            final long[] ids = Columns.longs("sampleIds", p.getSampleIds(), p.getCount());
            final float[] loss = Columns.floats("loss", p.getLoss(), p.getCount());
            assertEquals(List.of(LongStream.of(batch.sampleIds()).boxed().toArray()), List.of(LongStream.of(ids)
                    .boxed().toArray()), "batch " + p.getBatchSeq() + " reports the samples it was given");
            double weightedLoss = 0;
            boolean unit = true;
            for (int i = 0; i < ids.length; i++) {
                weightedLoss += batch.weights()[i] * loss[i];
                unit &= batch.weights()[i] == 1f;
                visits.merge(ids[i], 1, Integer::sum);
            }
            weighted += unit ? 0 : 1;
            assertEquals(weightedLoss / ids.length, p.getTrainLoss(), 1e-4 * Math.max(1, p.getTrainLoss()),
                    "batch " + p.getBatchSeq() + " trained on mean(weight x loss)");
        }
        assertEquals(expected, reported, "every batch trained and reported once, in order, across the restart");
        assertTrue(weighted > BATCHES / 2, "the upper-bound run drew with importance weights: " + weighted);

        final long predictions = (long) BATCHES * BATCH;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sampler.metrics().predictionsApplied() < predictions && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(predictions, sampler.metrics().predictionsApplied(), "every prediction applied");
        final JsonNode run = QueryClient.get(apiUrl, "/runs/" + RUN).body();
        assertEquals(SAMPLES, run.path("population").asInt(), run.toString());
        final long busiest = visits.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        final JsonNode history = QueryClient.get(apiUrl, "/runs/" + RUN + "/samples/" + busiest + "/history").body();
        assertEquals((int) visits.get(busiest), history.path("history").size(), "the query API has every visit of "
                + "sample " + busiest + ": " + history);
    }

    /** The client's own tests against this broker and sampler (trainer/python/it, pytest). */
    @Test
    @Order(2)
    void theClientsBrokerTestsPass() throws Exception {
        final PythonProcess.Result pytest = PythonProcess.run(List.of("-m", "pytest", "-q", "-p", "no:cacheprovider",
                        Path.of("..", "trainer", "python", "it").toString()),
                Map.of("ISGD_IT_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                Files.createTempFile(WORK.getParent(), "pytest", ".log"), Duration.ofMinutes(5));
        System.out.println(pytest.output());
        assertTrue(pytest.succeeded(), "trainer/python/it failed:\n" + pytest.output());
        assertTrue(pytest.output().contains(" passed") && !pytest.output().contains("skipped"), pytest.output());
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(final String topic) {
        return Clients.readAll(client(), topic, Duration.ofSeconds(30)).stream()
                .filter(r -> RUN.equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
    }

    /** Runs the example with the common arguments and {@code extra}; its output, after checking it exited 0. */
    private static String example(final String... extra) throws IOException, InterruptedException {
        final List<String> args = new ArrayList<>(List.of(EXAMPLE.toString(),
                "--bootstrap-servers", broker.bootstrapServers(), "--run-id", RUN, "--limit", String.valueOf(SAMPLES),
                "--batch-size", String.valueOf(BATCH), "--epochs", String.valueOf(BATCHES * BATCH / (double) SAMPLES),
                "--threads", "1"));
        args.addAll(List.of(extra));
        final PythonProcess.Result run = PythonProcess.run(args, Map.of(DatasetLocator.ENV_VAR,
                        DatasetLocator.fromEnvironment().locate().toString()),
                Files.createTempFile(WORK.getParent(), "example", ".log"), Duration.ofMinutes(5));
        System.out.println(run.output());
        assertTrue(run.finished(), "the example did not finish within 5 minutes:\n" + run.output());
        assertEquals(0, run.exitValue(), "the example failed:\n" + run.output());
        return run.output();
    }
}
