package org.isgd.infra.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.infra.common.Json;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.data.FashionMnist;

/**
 * A soak: a three-node cluster, sampler instances and data-parallel trainer ranks, each a process
 * of its own, while SIGKILLs hit a sampler instance, trainer rank or broker node (the three kinds
 * in equal shares, in random order; a random victim of the kind, the leader of the run's batches
 * half of the time for brokers) and each victim is started again. Then a verifier
 * reads isgd.batches and the acknowledgements read_committed and counts, for the run, batches
 * emitted, trained, lost, duplicated and out of order, predictions published, and compares the
 * sampler's state of sampled samples (their visits, through the query API, after all the
 * restores) with a replay of the committed predictions. Bounded in time: it stops by itself.
 */
public final class Soak {
    static final String APP = "soak-sampler";
    static final String RUN = "soak";
    static final String DATASET = "fashion-mnist";
    static final Duration START = Duration.ofSeconds(120);
    static final List<String> KINDS = List.of("sampler", "trainer", "broker");

    /** What to run. */
    public record Settings(int kills, int nodes, int samplers, int ranks, int samples, int batchSize, int lead,
                           long budgetBatches, Duration minGap, Duration maxGap, long seed, Path work,
                           Duration timeout, int checkedSamples, int pythonRanks) {
        /** Whether rank {@code rank} runs the Python client (the last {@code pythonRanks} ranks do). */
        boolean python(final int rank) {
            return rank >= ranks - pythonRanks;
        }
    }

    /** One kill: what, when (ms after the soak started), and how long until the service came back. */
    public record Kill(int number, String kind, String target, long atMs, long restartToFirstBatchMs) {
    }

    /** The verdict. */
    public record Report(Settings settings, List<Kill> kills, Map<String, Map<String, Long>> restartMs, long stalls,
                         long batchesEmitted, long batchesTrained, long lost, long duplicated, long outOfOrder,
                         long acknowledgementsDuplicated, long acknowledgementsMissing, long predictionsPublished,
                         int samplesChecked, long visitsChecked, long visitsMismatched, List<String> mismatches,
                         double seconds) {
        public boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && acknowledgementsDuplicated == 0
                    && acknowledgementsMissing == 0 && visitsMismatched == 0 && stalls == 0
                    && kills.size() == settings.kills();
        }
    }

    private final Settings settings;
    private final Consumer<String> log;
    private final Random random;
    private final List<IsgdProcess> started = new ArrayList<>();
    private final Map<String, Integer> starts = new HashMap<>();
    private final int basePort;
    private final int[] apiPorts;
    /** The kind of each kill: the three kinds in equal shares (as near as the count allows), in random order. */
    private final List<String> schedule = new ArrayList<>();

    public Soak(final Settings settings, final Consumer<String> log) {
        this.settings = settings;
        this.log = log;
        this.random = new Random(settings.seed());
        this.basePort = freePorts(settings.nodes());
        this.apiPorts = new int[settings.samplers()];
        for (int i = 0; i < apiPorts.length; i++) {
            apiPorts[i] = freePort();
        }
        for (int k = 0; k < settings.kills(); k++) {
            schedule.add(KINDS.get(k % KINDS.size()));
        }
        java.util.Collections.shuffle(schedule, random);
    }

    String bootstrap() {
        return org.isgd.infra.broker.EmbeddedCluster.bootstrapServers(basePort, settings.nodes());
    }

    Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    /** Runs the soak; every process it started is gone when it returns. */
    public Report run() throws Exception {
        final long t0 = System.nanoTime();
        final long deadline = t0 + settings.timeout().toNanos();
        try {
            final IsgdProcess[] nodes = new IsgdProcess[settings.nodes()];
            for (int n = 1; n <= nodes.length; n++) {
                nodes[n - 1] = startNode(n, false);
            }
            for (int n = 1; n <= nodes.length; n++) {
                nodes[n - 1].awaitLine("^node " + n + " of " + nodes.length + " on ", START);
            }
            log.accept("cluster of " + nodes.length + " up at " + bootstrap());
            createRun();
            final IsgdProcess[] samplers = new IsgdProcess[settings.samplers()];
            for (int i = 0; i < samplers.length; i++) {
                samplers[i] = startSampler(i, true);
            }
            final IsgdProcess[] trainers = new IsgdProcess[settings.ranks()];
            for (int r = 0; r < trainers.length; r++) {
                trainers[r] = startTrainer(r);
            }
            final List<Kill> kills = new ArrayList<>();
            try (Watch watch = new Watch()) {
                IsgdProcess.await(() -> watch.batches.size() > 2L * settings.lead(), START, "the run's first batches");
                for (int k = 1; k <= settings.kills() && System.nanoTime() < deadline; k++) {
                    // leave the run's last stretch alone: a victim restarted then would find nothing left to do
                    if (watch.acknowledged.size() >= settings.budgetBatches() - 20L * settings.lead() * settings.ranks()) {
                        log.accept("the run is nearly through its " + settings.budgetBatches() + " batches before kill "
                                + k + ": stopping the kills (give it a larger --budget-batches)");
                        break;
                    }
                    Thread.sleep(settings.minGap().toMillis() + (long) (random.nextDouble()
                            * (settings.maxGap().toMillis() - settings.minGap().toMillis())));
                    kills.add(kill(k, nodes, samplers, trainers, watch, t0));
                }
                log.accept("kills done (" + kills.size() + "); waiting for the trainers to finish the run's "
                        + settings.budgetBatches() + " batches");
                for (int r = 0; r < trainers.length; r++) {
                    final long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    final int code = trainers[r].awaitExit(Duration.ofMillis(left));
                    if (code != 0) {
                        throw new IllegalStateException("trainer rank " + r + " exited with " + code + "; its log "
                                + trainers[r].log() + " ends:\n" + trainers[r].tail());
                    }
                }
                final Report report = verify(kills, samplers, (System.nanoTime() - t0) / 1e9);
                for (final IsgdProcess sampler : samplers) {
                    sampler.stop(Duration.ofSeconds(60));
                }
                return report;
            }
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).destroy();
            }
        }
    }

    // ------------------------------------------------------------------ kills

    private Kill kill(final int number, final IsgdProcess[] nodes, final IsgdProcess[] samplers,
                      final IsgdProcess[] trainers, final Watch watch, final long t0) throws Exception {
        final String kind = schedule.get(number - 1);
        final long killedAt = System.currentTimeMillis();
        final long atMs = (System.nanoTime() - t0) / 1_000_000;
        final String target;
        final long restartMs;
        switch (kind) {
            case "sampler" -> {
                final int i = random.nextInt(samplers.length);
                target = "sampler-" + i;
                samplers[i].kill();
                samplers[i] = startSampler(i, true);
                restartMs = watch.millisToBatchCreatedSince(killedAt, START);
            }
            case "trainer" -> {
                final int r = random.nextInt(trainers.length);
                target = "rank-" + r + (settings.python(r) ? " (python)" : "");
                trainers[r].kill();
                trainers[r] = startTrainer(r);
                restartMs = watch.millisToAcknowledgementSince(r, killedAt, START);
            }
            default -> {
                final int leader = batchLeader();
                final int node = random.nextBoolean() && leader > 0 ? leader : 1 + random.nextInt(nodes.length);
                target = "node-" + node + (node == leader ? " (leader of the run's batches)" : "");
                nodes[node - 1].kill();
                nodes[node - 1] = startNode(node, true);
                restartMs = watch.millisToBatchCreatedSince(killedAt, START);
            }
        }
        if (restartMs < 0) {
            started.forEach(IsgdProcess::dumpThreads); // the evidence, while it hangs: each JVM's threads in its log
        }
        log.accept(restartMs < 0 ? String.format("kill %d/%d: %s at %.1f s: NO batch within %d s (a stall; thread "
                        + "dumps in each live process's log)", number, settings.kills(), target, atMs / 1000.0,
                START.toSeconds())
                : String.format("kill %d/%d: %s at %.1f s, first batch after %d ms", number, settings.kills(), target,
                atMs / 1000.0, restartMs));
        return new Kill(number, kind, target, atMs, restartMs);
    }

    /** The node leading the partition of isgd.batches the run's batches go to; -1 if unknown. */
    private int batchLeader() {
        try (Admin admin = Admin.create(client())) {
            final TopicDescription batches = admin.describeTopics(List.of(Topics.BATCHES.name())).allTopicNames()
                    .get().get(Topics.BATCHES.name());
            final int partition = Utils.toPositive(Utils.murmur2(RUN.getBytes(StandardCharsets.UTF_8)))
                    % batches.partitions().size();
            final var leader = batches.partitions().get(partition).leader();
            return leader == null ? -1 : leader.id();
        } catch (Exception e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ processes

    private IsgdProcess startNode(final int node, final boolean await) {
        final IsgdProcess broker = start("node-" + node, "384m", List.of("broker", "--nodes", "" + settings.nodes(),
                "--node", "" + node, "--port", "" + basePort, "--data-dir",
                settings.work().resolve("cluster").toString()));
        if (await) {
            broker.awaitLine("^node " + node + " of " + settings.nodes() + " on ", START);
        }
        return broker;
    }

    private IsgdProcess startSampler(final int i, final boolean await) {
        final IsgdProcess sampler = start("sampler-" + i, "512m", List.of("sampler", "--bootstrap-servers", bootstrap(),
                "--state-dir", settings.work().resolve("sampler-" + i).toString(), "--application-id", APP,
                "--api-port", "" + apiPorts[i], "--kafka-config", "group.instance.id=" + APP + "-" + i));
        if (await) {
            sampler.awaitLine("^sampler " + APP + " running against", START);
        }
        return sampler;
    }

    private IsgdProcess startTrainer(final int rank) {
        if (settings.python(rank)) {
            return start("rank-" + rank, (label, log) -> IsgdProcess.startPython(label, log,
                    List.of(pythonTrainer().toString(), "--bootstrap-servers", bootstrap(), "--run-id", RUN,
                            "--rank", "" + rank, "--limit", "" + settings.samples(), "--batch-size",
                            "" + settings.batchSize(), "--threads", "1"),
                    Map.of(DatasetLocator.ENV_VAR, DatasetLocator.fromEnvironment().locate().toString())));
        }
        return start("rank-" + rank, "768m", List.of("train", "--bootstrap-servers", bootstrap(), "--run-id", RUN,
                "--rank", "" + rank, "--model", "tiny", "--augment", "none", "--limit", "" + settings.samples(),
                "--max-batches", "" + settings.budgetBatches() / settings.ranks(), "--eval-every", "100000",
                "--batch-timeout", "180s", "--checkpoint-dir", settings.work().resolve("checkpoints-" + rank).toString(),
                "--checkpoint-every", "25"));
    }

    /**
     * The Python client's example trainer ({@code trainer/python/examples/train_fashion_mnist.py}) of the checkout this
     * runs from (the working directory or its parent, as {@code infra/isgd} and the tests run).
     */
    public static Path pythonTrainer() {
        final Path relative = Path.of("trainer", "python", "examples", "train_fashion_mnist.py");
        for (final Path dir : List.of(Path.of(""), Path.of(".."))) {
            final Path example = dir.resolve(relative).toAbsolutePath().normalize();
            if (Files.isRegularFile(example)) {
                return example;
            }
        }
        throw new UsageException("Python trainer ranks need the repository's " + relative + ": run from the checkout");
    }

    private IsgdProcess start(final String name, final String xmx, final List<String> args) {
        return start(name, (label, log) -> IsgdProcess.start(label, xmx, log, args));
    }

    /** Starts the {@code n}th process called {@code name} (label name#n, log name-n.log) and keeps it for clean-up. */
    private IsgdProcess start(final String name, final java.util.function.BiFunction<String, Path, IsgdProcess> how) {
        final int n = starts.merge(name, 1, Integer::sum);
        final IsgdProcess process = how.apply(name + "#" + n, settings.work().resolve("logs").resolve(name + "-" + n
                + ".log"));
        started.add(process);
        return process;
    }

    private void createRun() throws Exception {
        TopicSetup.ensureTopics(client());
        final FashionMnist.Split data = FashionMnist.load(DatasetLocator.fromEnvironment().locate(), settings.samples(), 1);
        final int[] labels = data.train().labels();
        SampleRegistration.register(client(), DATASET, labels, 0, labels.length, 0, "register");
        final RunSpec spec = RunSpec.newBuilder().setRunId(RUN).setDataset(DATASET).setPolicy("upper-bound")
                .setParams(Map.of()).setBatchSize(settings.batchSize()).setSeed(settings.seed())
                .setLead(settings.lead()).setWorldSize(settings.ranks()).setBudgetBatches(settings.budgetBatches())
                .setMinPopulation((long) settings.samples()).build();
        try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(),
                Topics.RUNS.keySerde().serializer(), Topics.RUNS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.RUNS.name(), RUN, spec)).get();
        }
    }

    // ------------------------------------------------------------------ verification

    private Report verify(final List<Kill> kills, final IsgdProcess[] samplers, final double seconds) throws Exception {
        final List<Long> seqs = new ArrayList<>();
        for (final ConsumerRecord<String, IndexBatch> r : readCommitted(Topics.BATCHES)) {
            if (RUN.equals(r.key())) {
                seqs.add(r.value().getBatchSeq());
            }
        }
        long outOfOrder = 0;
        for (int i = 1; i < seqs.size(); i++) {
            outOfOrder += seqs.get(i) <= seqs.get(i - 1) ? 1 : 0;
        }
        final Set<Long> distinct = new HashSet<>(seqs);
        long lost = 0;
        for (long k = 0; k < settings.budgetBatches(); k++) {
            lost += distinct.contains(k) ? 0 : 1;
        }
        final Set<Long> acked = new HashSet<>();
        long ackDuplicates = 0;
        long published = 0;
        final Map<Long, Integer> rowsPerSample = new HashMap<>();
        for (final ConsumerRecord<String, PredictionBatch> r : readCommitted(Topics.PREDICTION_BATCHES)) {
            if (!RUN.equals(r.value().getRunId())) {
                continue;
            }
            ackDuplicates += acked.add(r.value().getBatchSeq()) ? 0 : 1;
            final java.nio.LongBuffer ids = r.value().getSampleIds().duplicate()
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            published += r.value().getCount();
            for (int i = 0; i < r.value().getCount(); i++) {
                rowsPerSample.merge(ids.get(i), 1, Integer::sum);
            }
        }
        long ackMissing = 0;
        for (long k = 0; k < settings.budgetBatches(); k++) {
            ackMissing += acked.contains(k) ? 0 : 1;
        }
        // the sampler's state after every restore against a replay of the committed predictions
        final List<Long> candidates = new ArrayList<>(rowsPerSample.keySet());
        java.util.Collections.shuffle(candidates, random);
        final List<Long> checked = candidates.subList(0, Math.min(settings.checkedSamples(), candidates.size()));
        long visits = 0;
        long mismatched = 0;
        final List<String> mismatches = new ArrayList<>();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        for (final long id : checked) {
            final int actual = visitsOf(http, id);
            final int expected = rowsPerSample.get(id);
            visits += actual;
            if (actual != expected) {
                mismatched++;
                if (mismatches.size() < 10) {
                    mismatches.add("sample " + id + ": " + actual + " visits in the sampler, " + expected
                            + " committed predictions");
                }
            }
        }
        final Map<String, Map<String, Long>> restart = new LinkedHashMap<>();
        for (final String kind : KINDS) {
            final long[] ms = kills.stream().filter(k -> k.kind().equals(kind) && k.restartToFirstBatchMs() >= 0)
                    .mapToLong(Kill::restartToFirstBatchMs).sorted().toArray();
            if (ms.length > 0) {
                restart.put(kind, Map.of("kills", (long) ms.length, "p50", percentile(ms, 0.5),
                        "p99", percentile(ms, 0.99), "max", ms[ms.length - 1]));
            }
        }
        final long stalls = kills.stream().filter(k -> k.restartToFirstBatchMs() < 0).count();
        return new Report(settings, kills, restart, stalls, seqs.size(), acked.size(), lost, seqs.size() - distinct.size(),
                outOfOrder, ackDuplicates, ackMissing, published, checked.size(), visits, mismatched, mismatches,
                seconds);
    }

    private int visitsOf(final HttpClient http, final long sampleId) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + apiPorts[0] + "/runs/" + RUN + "/samples/" + sampleId)).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return Json.MAPPER.readTree(response.body()).path("state").path("visits").asInt();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sampler API did not answer for sample " + sampleId + ": HTTP "
                        + response.statusCode() + " " + response.body());
            }
            Thread.sleep(500); // restoring or rebalancing after the last kill
        }
    }

    static long percentile(final long[] sorted, final double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private <K, V> List<ConsumerRecord<K, V>> readCommitted(final Topic<K, V> topic) {
        return readCommitted(client(), topic);
    }

    /** Every committed record of {@code topic}, from the beginning to its current end, in partition order. */
    public static <K, V> List<ConsumerRecord<K, V>> readCommitted(final Map<String, Object> client,
                                                                   final Topic<K, V> topic) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Follows the run's batches and acknowledgements (read_committed) while the soak runs. */
    private final class Watch implements AutoCloseable {
        /** batchSeq → {created at, first seen}. */
        final Map<Long, long[]> batches = new ConcurrentHashMap<>();
        /** batchSeq → {rank, the trainer's timestamp, first seen}. */
        final Map<Long, long[]> acknowledged = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Watch() {
            thread = new Thread(this::follow, "soak-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void follow() {
            final Map<String, Object> config = client();
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config,
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                final List<TopicPartition> partitions = new ArrayList<>();
                for (final String topic : List.of(Topics.BATCHES.name(), Topics.PREDICTION_BATCHES.name())) {
                    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    for (final ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (!RUN.equals(r.key())) {
                            continue;
                        }
                        final long now = System.currentTimeMillis();
                        if (r.topic().equals(Topics.BATCHES.name())) {
                            final IndexBatch b = Topics.BATCHES.valueSerde().deserializer().deserialize(r.topic(), r.value());
                            batches.putIfAbsent(b.getBatchSeq(), new long[] {b.getCreatedAt(), now});
                        } else {
                            final PredictionBatch p = Topics.PREDICTION_BATCHES.valueSerde().deserializer()
                                    .deserialize(r.topic(), r.value());
                            acknowledged.putIfAbsent(p.getBatchSeq(), new long[] {p.getRank(), p.getTimestamp(), now});
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    log.accept("soak watch failed: " + e);
                }
            }
        }

        /** Ms from {@code since} until the first batch created at or after it became visible; -1 if none within the timeout. */
        long millisToBatchCreatedSince(final long since, final Duration timeout) {
            return firstSeenSince(since, timeout, () -> batches.values().stream().filter(v -> v[0] >= since)
                    .mapToLong(v -> v[1]).min().orElse(-1));
        }

        /** Ms from {@code since} until rank {@code rank} acknowledged a batch it trained after it; -1 if none in time. */
        long millisToAcknowledgementSince(final int rank, final long since, final Duration timeout) {
            return firstSeenSince(since, timeout, () -> acknowledged.values().stream()
                    .filter(v -> v[0] == rank && v[1] >= since).mapToLong(v -> v[2]).min().orElse(-1));
        }

        private long firstSeenSince(final long since, final Duration timeout, final java.util.function.LongSupplier seen) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                final long at = seen.getAsLong();
                if (at >= 0) {
                    return at - since;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            return -1; // a stall: counted, and the soak is not clean
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }
    }

    // ------------------------------------------------------------------ ports

    /** A base port p with p .. p+n−1 and p+100 .. p+100+n−1 free on 127.0.0.1. */
    public static int freePorts(final int n) {
        final Random r = new Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            final int base = 20_000 + r.nextInt(30_000);
            boolean free = true;
            for (int i = 0; i < n && free; i++) {
                free = isFree(base + i) && isFree(base + org.isgd.infra.broker.EmbeddedCluster.CONTROLLER_OFFSET + i);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + n + " free port pairs on 127.0.0.1");
    }

    private static boolean isFree(final int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
