package org.isgd.infra.crash;

import org.isgd.infra.soak.IsgdProcess;
import org.isgd.infra.soak.Soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.data.FashionMnist;

/**
 * The parts of a crash test, each a real {@code isgd} process: a broker on a fixed 127.0.0.1 port
 * and data directory (so it can be restarted in place), a sampler and a trainer; plus the
 * in-process producers that register the samples and create the run, and read_committed readers
 * of what the processes wrote. Everything lives under {@code target/it-crash/<test>-<uuid>}.
 */
final class CrashRig implements AutoCloseable {
    static final int SAMPLES = 2000;
    static final int BATCH = 32;
    static final String SAMPLER_APP_ID = "crash-sampler";
    static final Duration START = Duration.ofSeconds(90);

    final Path work;
    final int port;
    /** Broker nodes: 1, or a cluster of several (node i on port + i − 1, its controller 100 above). */
    final int nodes;
    private final List<IsgdProcess> started = new ArrayList<>();
    private final Map<String, Integer> starts = new HashMap<>();

    CrashRig(final String test) {
        this(test, 1);
    }

    CrashRig(final String test, final int nodes) {
        this.work = Path.of("target", "it-crash", test + "-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        this.nodes = nodes;
        this.port = nodes == 1 ? Soak.freePort() : Soak.freePorts(nodes);
    }

    String bootstrap() {
        return org.isgd.infra.broker.EmbeddedCluster.bootstrapServers(port, nodes);
    }

    Map<String, Object> client() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    // ------------------------------------------------------------------ processes

    IsgdProcess startBroker() {
        final IsgdProcess broker = start("broker", "512m", List.of("broker", "--port", "" + port,
                "--data-dir", work.resolve("broker").toString()));
        broker.awaitLine("^broker on 127\\.0\\.0\\.1:" + port, START);
        return broker;
    }

    /** The cluster's nodes, each a process of its own ({@code isgd broker --nodes N --node i}), started side by side. */
    List<IsgdProcess> startCluster() {
        final List<IsgdProcess> brokers = new ArrayList<>();
        for (int node = 1; node <= nodes; node++) {
            brokers.add(startNode(node, false));
        }
        for (int node = 1; node <= nodes; node++) {
            brokers.get(node - 1).awaitLine("^node " + node + " of " + nodes + " on ", START);
        }
        return brokers;
    }

    /** Node {@code node} of the cluster (1..nodes), on its ports and data; waits until it serves unless told not to. */
    IsgdProcess startNode(final int node, final boolean await) {
        final IsgdProcess broker = start("node-" + node, "384m", List.of("broker", "--nodes", "" + nodes, "--node",
                "" + node, "--port", "" + port, "--data-dir", work.resolve("cluster").toString()));
        if (await) {
            broker.awaitLine("^node " + node + " of " + nodes + " on ", START);
        }
        return broker;
    }

    /**
     * A sampler instance. It is a static group member ({@code group.instance.id}), so a restarted
     * instance takes its tasks over at once instead of after the killed one's session timeout.
     */
    IsgdProcess startSampler(final Path stateDir) {
        final IsgdProcess sampler = start("sampler", "512m", List.of("sampler", "--bootstrap-servers", bootstrap(),
                "--state-dir", stateDir.toString(), "--application-id", SAMPLER_APP_ID,
                "--kafka-config", "group.instance.id=" + SAMPLER_APP_ID + "-0"));
        sampler.awaitLine("^sampler " + SAMPLER_APP_ID + " running against", START);
        return sampler;
    }

    /** {@code isgd train} for {@code runId} with the tiny model on the first {@link #SAMPLES} samples. */
    IsgdProcess startTrainer(final String runId, final long batches, final int checkpointEvery) {
        return start("trainer", "1g", List.of("train", "--bootstrap-servers", bootstrap(), "--run-id", runId,
                "--model", "tiny", "--augment", "none", "--limit", "" + SAMPLES, "--max-batches", "" + batches,
                "--eval-every", "100000", "--batch-timeout", "120s",
                "--checkpoint-dir", work.resolve("checkpoints").toString(), "--checkpoint-every", "" + checkpointEvery));
    }

    private IsgdProcess start(final String name, final String xmx, final List<String> args) {
        final int n = starts.merge(name, 1, Integer::sum);
        final IsgdProcess process = IsgdProcess.start(name + "#" + n, xmx, work.resolve("logs").resolve(name + "-" + n + ".log"), args);
        started.add(process);
        return process;
    }

    // ------------------------------------------------------------------ data and run

    /** Creates the topics, registers the first {@link #SAMPLES} Fashion-MNIST samples and creates a uniform run. */
    void createRun(final String runId, final long budgetBatches) throws Exception {
        TopicSetup.ensureTopics(client());
        final FashionMnist.Split data = FashionMnist.load(DatasetLocator.fromEnvironment().locate(), SAMPLES, 1);
        final int[] labels = data.train().labels();
        SampleRegistration.register(client(), "fashion-mnist", labels, 0, labels.length, 0, "register");
        final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset("fashion-mnist").setPolicy("uniform")
                .setParams(Map.of()).setBatchSize(BATCH).setSeed(7L).setLead(4).setBudgetBatches(budgetBatches)
                .setMinPopulation((long) SAMPLES).build();
        try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client(), Topics.RUNS.keySerde().serializer(),
                Topics.RUNS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.RUNS.name(), runId, spec)).get();
        }
    }

    // ------------------------------------------------------------------ what the processes wrote

    /** Every committed record of {@code topic}, from the beginning to the current end, in partition order. */
    <K, V> List<ConsumerRecord<K, V>> readCommitted(final Topic<K, V> topic) {
        return Soak.readCommitted(client(), topic);
    }

    /** The batchSeqs of a run's committed batches on isgd.batches, in the order they were written. */
    List<Long> batchSeqs(final String runId) {
        return readCommitted(Topics.BATCHES).stream().filter(r -> runId.equals(r.key()))
                .map(r -> r.value().getBatchSeq()).toList();
    }

    /**
     * The batchSeqs a run's trainers acknowledged, in the order they were written: one committed
     * prediction batch on isgd.prediction-batches per acknowledged batch.
     */
    List<Long> progressSeqs(final String runId) {
        return readCommitted(Topics.PREDICTION_BATCHES).stream().filter(r -> runId.equals(r.key()))
                .map(r -> r.value().getBatchSeq()).toList();
    }

    /** Committed predictions of a run: per batchSeq, the trainer ids that published them (one entry per sample). */
    Map<Long, List<String>> predictionsByBatch(final String runId) {
        final Map<Long, List<String>> byBatch = new java.util.TreeMap<>();
        for (final ConsumerRecord<String, org.isgd.schemas.PredictionBatch> r : readCommitted(Topics.PREDICTION_BATCHES)) {
            if (runId.equals(r.value().getRunId())) {
                final List<String> trainers = byBatch.computeIfAbsent(r.value().getBatchSeq(), k -> new ArrayList<>());
                for (int i = 0; i < r.value().getCount(); i++) {
                    trainers.add(r.value().getTrainerId());
                }
            }
        }
        return byBatch;
    }

    /**
     * After a crash test's run: the trainer finished all {@code batches} and the sampler stops;
     * isgd.batches holds each batch exactly once, in order, each acknowledged exactly once with a
     * full batch of predictions. Returns the acknowledged batchSeqs.
     */
    List<Long> assertRunCompleteExactlyOnce(final String runId, final int batches, final IsgdProcess trainer,
                                            final IsgdProcess sampler) {
        final int exit;
        try {
            exit = trainer.awaitExit(Duration.ofSeconds(180));
        } catch (IllegalStateException stillRunning) {
            dumpThreads();
            throw stillRunning;
        }
        if (exit != 0) {
            dumpThreads(); // a trainer that gave up waiting for a batch: what were the others doing?
        }
        org.junit.jupiter.api.Assertions.assertEquals(0, exit, "trainer failed; see " + trainer.log()
                + " (thread dumps of the processes still running are in their logs)");
        trainer.awaitLine("^trained " + batches + " batches", Duration.ofSeconds(5));
        sampler.stop(Duration.ofSeconds(60));
        org.junit.jupiter.api.Assertions.assertEquals(range(batches), batchSeqs(runId),
                "isgd.batches holds each batch exactly once");
        final List<Long> acknowledged = progressSeqs(runId);
        org.junit.jupiter.api.Assertions.assertEquals(range(batches), acknowledged,
                "each batch trained and acknowledged exactly once");
        final Map<Long, List<String>> predictions = predictionsByBatch(runId);
        for (long seq = 0; seq < batches; seq++) {
            org.junit.jupiter.api.Assertions.assertEquals(BATCH, predictions.getOrDefault(seq, List.of()).size(),
                    "predictions of batch " + seq);
        }
        return acknowledged;
    }

    /** {@link IsgdProcess#await}, with each running JVM's threads dumped into its log when it times out. */
    void await(final java.util.function.BooleanSupplier condition, final Duration timeout, final String what) {
        try {
            IsgdProcess.await(condition, timeout, what);
        } catch (IllegalStateException timedOut) {
            dumpThreads();
            throw new IllegalStateException(timedOut.getMessage() + " (thread dumps in the processes' logs under "
                    + work.resolve("logs") + ")", timedOut);
        }
    }

    /** Each running JVM prints its threads into its log (evidence for a hang). */
    void dumpThreads() {
        started.forEach(IsgdProcess::dumpThreads);
    }

    static List<Long> range(final long n) {
        return java.util.stream.LongStream.range(0, n).boxed().toList();
    }

    /**
     * Follows {@code isgd.batches} (read_committed) in a background thread and notes when each of a
     * run's batches first became visible, and how often each appeared.
     */
    BatchWatch watchBatches(final String runId) {
        final BatchWatch watch = new BatchWatch(runId);
        final Thread thread = new Thread(watch, "batch-watch");
        thread.setDaemon(true);
        thread.start();
        return watch;
    }

    final class BatchWatch implements Runnable, AutoCloseable {
        private final String runId;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong maxSeq = new AtomicLong(-1);
        private final Map<Long, Long> firstSeenMillis = new ConcurrentHashMap<>();
        private final Map<Long, Long> createdAtMillis = new ConcurrentHashMap<>();

        private BatchWatch(final String runId) {
            this.runId = runId;
        }

        @Override
        public void run() {
            final Map<String, Object> config = client();
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, IndexBatch> consumer = new KafkaConsumer<>(config,
                    Topics.BATCHES.keySerde().deserializer(), Topics.BATCHES.valueSerde().deserializer())) {
                final List<TopicPartition> partitions = consumer.partitionsFor(Topics.BATCHES.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    for (final ConsumerRecord<String, IndexBatch> r : consumer.poll(Duration.ofMillis(100))) {
                        if (runId.equals(r.key())) {
                            final long seq = r.value().getBatchSeq();
                            firstSeenMillis.putIfAbsent(seq, System.currentTimeMillis());
                            createdAtMillis.putIfAbsent(seq, r.value().getCreatedAt());
                            maxSeq.accumulateAndGet(seq, Math::max);
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    throw e;
                }
            }
        }

        long maxSeq() {
            return maxSeq.get();
        }

        /**
         * Milliseconds from {@code sinceMillis} (wall clock) until the first batch created at or after
         * it became visible; waits for one up to {@code timeout}.
         */
        long millisToFirstBatchCreatedSince(final long sinceMillis, final Duration timeout) {
            final long[] seen = new long[1];
            IsgdProcess.await(() -> {
                seen[0] = createdAtMillis.entrySet().stream().filter(e -> e.getValue() >= sinceMillis)
                        .map(e -> firstSeenMillis.get(e.getKey())).min(Comparator.naturalOrder()).orElse(-1L);
                return seen[0] >= 0;
            }, timeout, "a batch of run " + runId + " created after " + sinceMillis);
            return seen[0] - sinceMillis;
        }

        @Override
        public void close() {
            running.set(false);
        }
    }

    // ------------------------------------------------------------------ clean-up

    static void deleteTree(final Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** Kills whatever still runs, trainers and samplers before the broker. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).destroy();
        }
    }
}
