package org.isgd.infra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.Topics;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * isgd against a real Kafka distribution ({@link KafkaBackend#IMAGE}) in a container: topics,
 * a sampler (exactly-once, Kafka Streams, RocksDB) and a run whose first batches arrive
 * read_committed. Skipped where no Docker engine is found (as here); with one, run
 * {@code mvn -B -ntp verify -pl infra -am -Dit.test=KafkaContainerIT}, or every integration test
 * against containers with {@code -Disgd.it.kafka=container}.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerIT {
    private static final String RUN = "container-run";

    @Test
    void aSamplerOnARealKafkaEmitsTheRunsBatches() throws Exception {
        final Path work = Path.of("target", "it-container", UUID.randomUUID().toString()).toAbsolutePath();
        try (KafkaBackend kafka = KafkaBackend.container()) {
            final Map<String, Object> client = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()));
            TopicSetup.ensureTopics(client);
            final int[] labels = new int[500];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % 10;
            }
            SampleRegistration.register(client, "container-data", labels, 0, labels.length, 0, "register");
            final RunSpec spec = RunSpec.newBuilder().setRunId(RUN).setDataset("container-data").setPolicy("uniform")
                    .setParams(Map.of()).setBatchSize(16).setSeed(1L).setLead(3).setBudgetBatches(20L)
                    .setMinPopulation((long) labels.length).build();
            try (KafkaProducer<String, RunSpec> producer = new KafkaProducer<>(client,
                    Topics.RUNS.keySerde().serializer(), Topics.RUNS.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), RUN, spec)).get();
            }
            try (SamplerApp sampler = SamplerApp.start(SamplerConfig.defaults(kafka.bootstrapServers(),
                    work.resolve("sampler")).withApplicationId("container-it"))) {
                sampler.awaitRunning(Duration.ofSeconds(120));
                final List<Long> seqs = firstBatches(client, 4, Duration.ofSeconds(120));
                assertEquals(List.of(0L, 1L, 2L, 3L), seqs, "the lead (3) lets batches 0..3 out before any acknowledgement");
            }
        }
    }

    private static List<Long> firstBatches(final Map<String, Object> client, final int n, final Duration timeout) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "container-it-reader");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final List<Long> seqs = new ArrayList<>();
        try (KafkaConsumer<String, IndexBatch> consumer = new KafkaConsumer<>(config,
                Topics.BATCHES.keySerde().deserializer(), Topics.BATCHES.valueSerde().deserializer())) {
            consumer.subscribe(List.of(Topics.BATCHES.name()));
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (seqs.size() < n && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (RUN.equals(r.key())) {
                        seqs.add(r.value().getBatchSeq());
                    }
                });
            }
        }
        assertTrue(seqs.size() >= n, "batches of " + RUN + " within " + timeout + ": " + seqs);
        return seqs.subList(0, n);
    }
}
