package org.isgd.infra.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.cli.Isgd;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.infra.query.QueryClient;
import org.isgd.sampler.api.ApiAccess;
import org.isgd.sampler.api.QueryServer;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.isgd.schemas.SamplePrediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The query API on two sampler instances sharing the work on a real in-process broker: each owns
 * one dataset, and either answers every question about either run, by forwarding to the owner.
 * Predictions are produced directly, with known pCorrect, loss and timestamps.
 */
class QueryApiIT {
    private static final Path WORK = Path.of("target", "it-query", UUID.randomUUID().toString());
    private static final int PER_DATASET = 200;
    /** The last samples of each dataset are registered but never trained. */
    private static final int UNTRAINED = 10;
    private static final int VISITS = 3;
    private static final long T0 = 1_700_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static KafkaBackend broker;
    private static final List<Instance> instances = new ArrayList<>();

    /** One sampler with its API. */
    record Instance(SamplerApp app, QueryServer api, String endpoint) implements AutoCloseable {
        String url() {
            return "http://" + endpoint;
        }

        HostInfo host() {
            return HostInfo.buildFromEndpoint(endpoint);
        }

        @Override
        public void close() {
            api.close();
            app.close();
        }
    }

    /** A dataset, its run, and the sample planted with a wrong label. */
    /** The run ids the test picked, in the order picked. */
    private static final List<String> runs = new ArrayList<>();

    record Setup(String dataset, String runId, String policy, long firstId, long mislabelled, Instance owner) {
    }

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBackend.start(WORK.resolve("broker"));
        TopicSetup.ensureTopics(client());
        instances.add(sampler("a"));
        instances.add(sampler("b"));
        for (final Instance instance : instances) {
            instance.app().awaitRunning(Duration.ofSeconds(60));
        }
        await("both instances in the group, running", () -> instances.stream().allMatch(i ->
                i.app().instances().size() == 2 && i.app().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING));
    }

    @AfterAll
    static void stop() {
        instances.forEach(Instance::close);
        if (broker != null) {
            broker.close();
        }
    }

    private static Instance sampler(final String name) throws IOException {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final String endpoint = "127.0.0.1:" + port;
        final SamplerApp app = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(), WORK.resolve(name))
                .withApplicationId("query-it").withApiEndpoint(endpoint));
        return new Instance(app, QueryServer.start(app, QueryServer.Settings.loopback(port, endpoint)), endpoint);
    }

    private static Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @Test
    void eitherInstanceAnswersForEitherRunFromItsOwner() throws Exception {
        final Instance a = instances.get(0);
        final Instance b = instances.get(1);
        // pick one run id each instance owns (a run belongs to the task its id hashes to), so that both
        // sides of the routing are exercised
        final Setup onA = new Setup("ds-a", ownedBy(a, "run-sb"), "selective-backprop", 0, 7, a);
        final Setup onB = new Setup("ds-b", ownedBy(b, "run-ub"), "upper-bound", 10_000, 10_011, b);
        assertEquals(Optional.of(a.host()), b.app().ownerOfRun(onA.runId(), onA.dataset()),
                "both instances agree on the owner");
        assertEquals(Optional.of(b.host()), a.app().ownerOfRun(onB.runId(), onB.dataset()));
        for (final Setup setup : List.of(onA, onB)) {
            register(setup);
            createRun(setup);
        }
        for (final Setup setup : List.of(onA, onB)) {
            await("run " + setup.runId() + " loaded with its population", () -> {
                final JsonNode run = get(a, "/runs/" + setup.runId()).body();
                return run.path("population").asInt() == PER_DATASET && run.path("nextBatchSeq").asLong() > 0;
            });
        }
        final long predictions = predict(onA) + predict(onB);
        await("every prediction applied", () ->
                a.app().metrics().predictionsApplied() + b.app().metrics().predictionsApplied() == predictions);

        for (final Instance via : instances) {
            for (final Setup setup : List.of(onA, onB)) {
                checkSample(via, setup);
                checkRun(via, setup);
                checkHardest(via, setup);
                checkSuspects(via, setup);
                checkErrors(via, setup);
            }
            checkAllRuns(via);
            final Reply health = get(via, "/health");
            assertEquals(200, health.status());
            assertEquals("RUNNING", health.body().path("state").asText());
        }
        checkMetrics(onA);
        checkMetrics(onB);
        checkCli(b, onA);
    }

    /**
     * Hundreds of malformed, odd or hostile requests — bad percent-encoding, huge and negative
     * numbers, unknown runs, extra segments, other methods — against both instances: each gets a
     * 4xx with a message saying what was wrong (or a 200 where the request is a fair one), never a
     * 500 and never a hang, and the samplers stay healthy.
     */
    @Test
    void malformedRequestsGetAClearErrorNeverA500OrAHang() throws Exception {
        final Setup fuzz = new Setup("ds-f", ownedBy(instances.get(0), "run-fz"), "upper-bound", 20_000, 20_007,
                instances.get(0));
        register(fuzz);
        createRun(fuzz);
        await("run " + fuzz.runId() + " loaded", () ->
                get(instances.get(1), "/runs/" + fuzz.runId()).body().path("population").asInt() == PER_DATASET);
        final String[] runs = {fuzz.runId(), "no-such-run", "%ZZ", "%", "x".repeat(5000), "%00", "..", "run%2Fslash",
            "%C3%A9t%C3%A9", "a+b"};
        final String[] samples = {"20003", "-1", "1e30", "99999999999999999999999", String.valueOf(Long.MIN_VALUE),
            String.valueOf(Long.MAX_VALUE), "abc", "%ZZ", "0x10", "%207", "20000.0"};
        final String[] tails = {"", "/history", "/history/extra", "/bogus", "/"};
        final String[] queries = {"", "?asOf=-5", "?asOf=99999999999999999999", "?asOf=9223372036854775807",
            "?asOf=2026-13-45T00:00:00Z", "?asOf=%", "?asOf=", "?k=-1", "?k=0", "?k=2147483648", "?k=999999999",
            "?k=1e9", "?k=abc", "?k=10000", "?local=maybe", "?&&=&", "?asOf=%ZZ&k=%"};
        final String[] shapes = {"/runs/{run}", "/runs/{run}/samples/{sample}{tail}", "/runs/{run}/hardest",
            "/runs/{run}/suspects", "/runs/{run}/samples", "/runs", "/runs/", "//runs//{run}", "/", "/health/x",
            "/metrics/more", "/nothing", "/runs/{run}/{sample}"};
        final String[] methods = {"GET", "GET", "GET", "POST", "DELETE", "PUT", "HEAD"};
        final java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        final Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 400; i++) {
            final String path = shapes[random.nextInt(shapes.length)]
                    .replace("{run}", runs[random.nextInt(runs.length)])
                    .replace("{sample}", samples[random.nextInt(samples.length)])
                    .replace("{tail}", tails[random.nextInt(tails.length)]) + queries[random.nextInt(queries.length)];
            final String method = methods[random.nextInt(methods.length)];
            final Instance via = instances.get(random.nextInt(instances.size()));
            final RawReply response;
            try {
                response = raw(via, method, path, method.equals("POST") || method.equals("PUT") ? "{\"x\": 1}" : "");
            } catch (java.net.SocketException e) {
                // a request line that is not a URI: the JDK's HTTP server writes its 400 and closes the
                // socket without reading the rest of the request, which can reset the connection before
                // the 400 is read; anything else reset is a failure
                assertFalse(isUri(path), e.getMessage());
                statuses.merge(-1, 1, Integer::sum);
                continue;
            }
            final String what = method + " " + path + " via " + via.endpoint() + " -> " + response.status() + " "
                    + response.body();
            statuses.merge(response.status(), 1, Integer::sum);
            assertTrue(response.status() == 200 || response.status() >= 400 && response.status() < 500
                    || response.status() == 501, what);
            if (response.status() >= 400 && !method.equals("HEAD")) {
                if (response.body().startsWith("<h1>400 Bad Request</h1>")) {
                    // a request line that is not a URI at all: the JDK's HTTP server answers it before the API sees it
                    assertFalse(response.body().substring(24).isBlank(), what);
                } else {
                    assertFalse(JSON.readTree(response.body()).path("error").asText().isBlank(), "an error says why: " + what);
                }
            }
        }
        assertTrue(statuses.getOrDefault(404, 0) > 0 && statuses.getOrDefault(400, 0) > 0
                && statuses.getOrDefault(405, 0) > 0 && statuses.getOrDefault(200, 0) > 0, "statuses seen: " + statuses);
        for (final Instance instance : instances) {
            final Reply health = get(instance, "/health");
            assertEquals(200, health.status());
            assertEquals("RUNNING", health.body().path("state").asText());
        }
    }

    @Test
    void aNonLoopbackBindIsRefused() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> QueryServer.start(
                instances.get(0).app(), new QueryServer.Settings("0.0.0.0", 0, false, null)));
        assertTrue(error.getMessage().contains("not a loopback address"), error.getMessage());
    }

    /**
     * With a bearer token and a TLS keystore the API speaks HTTPS only and answers nothing but
     * /health without the token (401, WWW-Authenticate); 'isgd query''s client sends the token.
     */
    @Test
    void aTokenAndTlsGuardTheApi() throws Exception {
        final String token = "query-it-token-0123456789";
        final char[] password = "query-it-password".toCharArray();
        final java.nio.file.Path keystore = WORK.resolve("api-" + System.nanoTime() + ".p12");
        final Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", "isgd-api", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", new String(password),
                "-keypass", new String(password)).redirectErrorStream(true).start();
        final String keytoolOutput = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), "keytool: " + keytoolOutput);
        final ApiAccess access = new ApiAccess(token, ApiAccess.tls(keystore, password));
        try (QueryServer api = QueryServer.start(instances.get(0).app(),
                new QueryServer.Settings("127.0.0.1", 0, false, null, access))) {
            assertTrue(api.url().startsWith("https://127.0.0.1:"), api.url());
            final java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(access.tls()).build();
            final java.net.http.HttpResponse<String> anonymous = https.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(api.url() + "/runs")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertTrue(anonymous.body().contains("Authorization: Bearer"), anonymous.body());
            final java.net.http.HttpResponse<String> wrong = https.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(api.url() + "/metrics")).header("Authorization", "Bearer " + token + "x").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            assertEquals(200, QueryClient.get(https, api.url(), "/health", null).status(), "/health needs no token");
            final QueryClient.Answer runs = QueryClient.get(https, api.url(), "/runs", token);
            assertEquals(200, runs.status(), runs.body().toString());
            assertTrue(runs.body().has("runs"), runs.body().toString());
            assertThrows(java.io.IOException.class, () -> java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.url().replace("https:", "http:")
                            + "/health")).timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()), "plain HTTP to the HTTPS port fails");
        }
    }

    private static void checkSample(final Instance via, final Setup setup) throws Exception {
        final long id = setup.firstId() + 3;
        final JsonNode now = ok(via, "/runs/" + setup.runId() + "/samples/" + id);
        assertEquals(setup.dataset(), now.path("dataset").asText());
        assertEquals(VISITS, now.path("state").path("visits").asInt());
        assertEquals(pCorrect(setup, id, VISITS - 1), now.path("state").path("pCorrect").asDouble(), 1e-6);
        assertEquals(-Math.log(pCorrect(setup, id, VISITS - 1)), now.path("state").path("loss").asDouble(), 1e-5);
        assertEquals(time(VISITS - 1), now.path("state").path("updatedAt").asLong());

        final JsonNode history = ok(via, "/runs/" + setup.runId() + "/samples/" + id + "/history").path("history");
        assertEquals(VISITS, history.size());
        for (int v = 0; v < VISITS; v++) {
            assertEquals(time(v), history.get(v).path("timestamp").asLong());
            assertEquals(v + 1, history.get(v).path("state").path("visits").asInt());
            assertEquals(pCorrect(setup, id, v), history.get(v).path("state").path("pCorrect").asDouble(), 1e-6);
        }
        final JsonNode between = ok(via, "/runs/" + setup.runId() + "/samples/" + id + "?asOf=" + (time(1) + 500));
        assertEquals(2, between.path("state").path("visits").asInt(), "as of between visits 2 and 3");
        final String iso = Instant.ofEpochMilli(time(0)).toString();
        assertEquals(1, ok(via, "/runs/" + setup.runId() + "/samples/" + id + "?asOf=" + iso).path("state").path("visits").asInt());
        final Reply before = get(via, "/runs/" + setup.runId() + "/samples/" + id + "?asOf=" + (time(0) - 1));
        assertEquals(404, before.status());
        assertTrue(before.error().contains("first prediction was at"), before.error());
    }

    private static void checkRun(final Instance via, final Setup setup) throws Exception {
        final JsonNode run = ok(via, "/runs/" + setup.runId());
        assertEquals(setup.owner().endpoint(), run.path("owner").asText(), "answered by the owner");
        assertEquals(setup.policy(), run.path("policy").asText());
        assertEquals(PER_DATASET, run.path("population").asInt());
        double shares = 0;
        for (final JsonNode share : run.path("classShares")) {
            shares += share.asDouble();
        }
        assertEquals(1.0, shares, 1e-9, "class shares sum to 1: " + run);
        final long lead = run.path("lead").get(0).asLong();
        assertTrue(lead >= 1 && lead <= 3, "nothing acknowledged: the lead is what was emitted, at most lead+1: " + run);
        final double ess = run.path("effectiveSampleSize").asDouble();
        assertTrue(ess > 0 && ess <= 1.0 + 1e-9, "effective sample size in (0, 1]: " + run);
        assertTrue(run.path("stalenessMs").asLong() >= 0, "a prediction was applied: " + run);
        if (setup.policy().equals("upper-bound")) {
            assertTrue(run.path("tau").asDouble() > 0, "upper-bound reports tau: " + run);
        } else {
            assertTrue(run.path("tau").isNull(), "only upper-bound reports tau: " + run);
        }
    }

    private static void checkHardest(final Instance via, final Setup setup) throws Exception {
        final JsonNode hardest = ok(via, "/runs/" + setup.runId() + "/hardest?k=5").path("samples");
        assertEquals(5, hardest.size());
        assertEquals(setup.mislabelled(), hardest.get(0).path("sampleId").asLong(), "the mislabelled sample is hardest");
        for (int i = 1; i < hardest.size(); i++) {
            assertTrue(hardest.get(i - 1).path("state").path("loss").asDouble()
                    >= hardest.get(i).path("state").path("loss").asDouble(), "hardest first: " + hardest);
        }
        // the others by construction: loss falls with the id
        assertEquals(setup.firstId(), hardest.get(1).path("sampleId").asLong());
    }

    private static void checkSuspects(final Instance via, final Setup setup) throws Exception {
        await("suspect flagged in " + setup.runId(), () -> ok(via, "/runs/" + setup.runId() + "/suspects")
                .path("samples").size() == 1);
        final JsonNode suspect = ok(via, "/runs/" + setup.runId() + "/suspects").path("samples").get(0);
        assertEquals(setup.mislabelled(), suspect.path("sampleId").asLong());
        assertTrue(suspect.path("state").path("pCorrect").asDouble() < 0.05);
        assertTrue(ok(via, "/runs/" + setup.runId() + "/samples/" + setup.mislabelled()).path("suspect").asBoolean());
    }

    private static void checkErrors(final Instance via, final Setup setup) throws Exception {
        final Reply unknownRun = get(via, "/runs/no-such-run");
        assertEquals(404, unknownRun.status());
        assertTrue(unknownRun.error().contains("unknown run 'no-such-run'"), unknownRun.error());
        final Reply unregistered = get(via, "/runs/" + setup.runId() + "/samples/99999999");
        assertEquals(404, unregistered.status());
        assertTrue(unregistered.error().contains("not registered"), unregistered.error());
        final long untrained = setup.firstId() + PER_DATASET - 1;
        final Reply never = get(via, "/runs/" + setup.runId() + "/samples/" + untrained + "/history");
        assertEquals(404, never.status());
        assertTrue(never.error().contains("has not been trained"), never.error());
        assertEquals(400, get(via, "/runs/" + setup.runId() + "/samples/1?asOf=someday").status());
        assertEquals(400, get(via, "/runs/" + setup.runId() + "/hardest?k=-1").status());
    }

    private static void checkAllRuns(final Instance via) throws Exception {
        final JsonNode all = ok(via, "/runs");
        final List<String> ids = new ArrayList<>();
        all.path("runs").forEach(run -> ids.add(run.path("runId").asText()));
        assertEquals(2, ids.size(), "runs of both instances: " + all);
        assertTrue(ids.get(0).startsWith("run-sb-") && ids.get(1).startsWith("run-ub-"), "sorted by id: " + ids);
        assertEquals(2, all.path("instances").size(), all.toString());
        assertEquals(0, all.path("unreachable").size(), all.toString());
        assertEquals(1, ok(via, "/runs?local=true").path("runs").size(), "each instance owns one run");
    }

    private static void checkMetrics(final Setup setup) throws Exception {
        final String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(setup.owner().url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        final String run = "{run=\"" + setup.runId() + "\"}";
        assertTrue(value(metrics, "isgd_batches_emitted_total") >= 1, metrics);
        assertTrue(value(metrics, "isgd_indices_emitted_total") >= 16, metrics);
        assertEquals((double) (PER_DATASET - UNTRAINED) * VISITS + 1, value(metrics, "isgd_predictions_applied_total"),
                metrics);
        assertTrue(value(metrics, "isgd_duplicates_ignored_total") >= 0, metrics);
        assertEquals(1.0, value(metrics, "isgd_dead_letters_total{reason=\"unknown-sample\"}"), metrics);
        assertEquals(PER_DATASET, value(metrics, "isgd_run_population" + run), metrics);
        assertTrue(value(metrics, "isgd_run_lead{rank=\"0\",run=\"" + setup.runId() + "\"}") >= 1, metrics);
        final double ess = value(metrics, "isgd_run_effective_sample_size" + run);
        assertTrue(ess > 0 && ess <= 1, metrics);
        assertTrue(value(metrics, "isgd_run_staleness_ms" + run) >= 0, metrics);
        assertEquals(setup.policy().equals("upper-bound"), metrics.contains("isgd_run_tau" + run), metrics);
        assertTrue(value(metrics, "isgd_consumer_lag_records") >= 0, metrics);
        assertEquals(1.0, value(metrics, "isgd_streams_state{state=\"RUNNING\"}"), metrics);
        assertEquals(0.0, value(metrics, "isgd_streams_state{state=\"ERROR\"}"), metrics);
        assertFalse(metrics.contains("run=\"" + other(setup) + "\""), "only the runs this instance owns: " + metrics);
    }

    /** `isgd query` against the instance that does not own the run. */
    private static void checkCli(final Instance via, final Setup setup) {
        final StringWriter out = new StringWriter();
        final CommandLine cli = Isgd.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        assertEquals(0, cli.execute("query", "hardest", setup.runId(), "-k", "3", "--api", via.url()));
        final String[] lines = out.toString().strip().split("\n");
        assertEquals(4, lines.length, out.toString());
        assertTrue(lines[0].startsWith("RANK"), out.toString());
        assertTrue(lines[1].matches("1\\s+" + setup.mislabelled() + "\\s.*"), out.toString());
        assertEquals(0, cli.execute("query", "health", "--api", via.url()));
        assertEquals(0, cli.execute("query", "run", setup.runId(), "--api", via.url()));
        assertTrue(out.toString().contains("CLASS"), out.toString());
    }

    private static String other(final Setup setup) {
        return setup.runId().equals(runs.get(0)) ? runs.get(1) : runs.get(0);
    }

    /** The value of one series line of the Prometheus text ({@code name{labels} value}). */
    private static double value(final String metrics, final String series) {
        for (final String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " in\n" + metrics);
    }

    private static String ownedBy(final Instance instance, final String prefix) {
        for (int i = 0; i < 200; i++) {
            final String runId = prefix + "-" + i;
            if (instance.app().ownerOfRun(runId, null).equals(Optional.of(instance.host()))) {
                runs.add(runId);
                return runId;
            }
        }
        throw new AssertionError("instance " + instance.endpoint() + " owns none of 200 run ids");
    }

    private static void register(final Setup setup) {
        final int first = (int) setup.firstId();
        final int[] labels = new int[first + PER_DATASET];
        java.util.Arrays.setAll(labels, id -> label(id));
        SampleRegistration.register(client(), setup.dataset(), labels, first, first + PER_DATASET, 0, "register");
    }

    private static void createRun(final Setup setup) throws Exception {
        final RunSpec spec = RunSpec.newBuilder().setRunId(setup.runId()).setDataset(setup.dataset())
                .setPolicy(setup.policy()).setParams(Map.of()).setBatchSize(16).setSeed(1L).setLead(2)
                .setWorldSize(1).setMinPopulation((long) PER_DATASET).setState(RunState.ACTIVE).build();
        try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(), Topics.RUNS.keySerde().serializer(),
                Topics.RUNS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.RUNS.name(), spec.getRunId(), spec)).get();
        }
    }

    /**
     * VISITS predictions for every sample but the last UNTRAINED, at times {@link #time}; the
     * mislabelled one is visited VISITS + 1 times, each a confident wrong answer. Plus one
     * prediction for a sample nobody registered: a dead letter.
     */
    private static long predict(final Setup setup) throws Exception {
        long sent = 0;
        try (KafkaProducer<Long, SamplePrediction> producer = new KafkaProducer<>(client(),
                Topics.PREDICTIONS.keySerde().serializer(), Topics.PREDICTIONS.valueSerde().serializer())) {
            for (int v = 0; v <= VISITS; v++) {
                for (long id = setup.firstId(); id < setup.firstId() + PER_DATASET - UNTRAINED; id++) {
                    final boolean wrong = id == setup.mislabelled();
                    if (v == VISITS && !wrong) {
                        continue;
                    }
                    final float p = (float) pCorrect(setup, id, v);
                    final int label = label(id);
                    producer.send(new ProducerRecord<>(Topics.PREDICTIONS.name(), id, SamplePrediction.newBuilder()
                            .setRunId(setup.runId()).setSampleId(id).setBatchSeq(v).setStep(v).setLabel(label)
                            .setPCorrect(p).setLoss((float) -Math.log(p)).setGradNormBound((1 - p) * 1.2f)
                            .setPredicted(wrong ? (label + 1) % 10 : label).setTrainerId("it").setPosition(-1)
                            .setTimestamp(time(v)).build()));
                    sent++;
                }
            }
            producer.send(new ProducerRecord<>(Topics.PREDICTIONS.name(), 99_999_999L, SamplePrediction.newBuilder()
                    .setRunId(setup.runId()).setSampleId(99_999_999L).setBatchSeq(0).setStep(0).setLabel(0)
                    .setPCorrect(0.5f).setLoss(0.69f).setGradNormBound(0.7f).setPredicted(0).setTrainerId("it")
                    .setTimestamp(T0).build()));
            producer.flush();
        }
        return sent;
    }

    private static int label(final long id) {
        return (int) (id % 10);
    }

    /** Rises with each visit and with the sample id (loss falls with the id); the mislabelled sample stays at 0.01. */
    private static double pCorrect(final Setup setup, final long id, final int visit) {
        if (id == setup.mislabelled()) {
            return 0.01;
        }
        final double rank = (double) (id - setup.firstId()) / PER_DATASET;
        return Math.min(0.95, 0.2 + 0.1 * visit + 0.5 * rank);
    }

    private static long time(final int visit) {
        return T0 + visit * 1000L;
    }

    /** An HTTP status and its JSON body. */
    record Reply(int status, JsonNode body) {
        String error() {
            return body.path("error").asText();
        }
    }

    private static Reply get(final Instance via, final String path) throws IOException, InterruptedException {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(via.url() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), JSON.readTree(response.body()));
    }

    private static boolean isUri(final String path) {
        try {
            new URI(path);
            return true;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** A status and body read off the wire. */
    record RawReply(int status, String body) {
    }

    /**
     * One request written byte for byte on a socket (an HTTP client library refuses to send a
     * malformed path such as "/runs/%ZZ"; a hostile or broken client does not), read to the end
     * within 10 s.
     */
    private static RawReply raw(final Instance via, final String method, final String path, final String body)
            throws IOException {
        final HostInfo host = via.host();
        try (java.net.Socket socket = new java.net.Socket(host.host(), host.port())) {
            socket.setSoTimeout(10_000);
            final byte[] content = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: " + via.endpoint()
                    + "\r\nConnection: close\r\nContent-Length: " + content.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            final String reply;
            try {
                reply = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.net.SocketException e) {
                throw new java.net.SocketException(method + " " + path + ": " + e.getMessage());
            }
            final String[] statusLine = reply.substring(0, Math.max(0, reply.indexOf("\r\n"))).split(" ");
            if (statusLine.length < 2) {
                throw new AssertionError(method + " " + path + ": no HTTP status line in " + reply);
            }
            final int headersEnd = reply.indexOf("\r\n\r\n");
            return new RawReply(Integer.parseInt(statusLine[1]), headersEnd < 0 ? "" : reply.substring(headersEnd + 4));
        }
    }

    private static JsonNode ok(final Instance via, final String path) throws IOException, InterruptedException {
        final Reply reply = get(via, path);
        assertEquals(200, reply.status(), path + " via " + via.endpoint() + ": " + reply.body());
        return reply.body();
    }

    /** Condition that may throw while the system is still getting there. */
    interface Check {
        boolean holds() throws Exception;
    }

    private static void await(final String what, final Check check) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (AssertionError | Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what, last);
    }
}
