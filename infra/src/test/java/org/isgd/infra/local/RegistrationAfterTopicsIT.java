package org.isgd.infra.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.topics.TopicPlan;
import org.isgd.infra.topics.TopicSetup;
import org.junit.jupiter.api.Test;

/**
 * Registration straight after topic creation loses nothing (the crash rig's two-minute registration stall, KAFKA-15591):
 * an idempotent producer with several requests in flight to partitions created a moment earlier can have its first
 * request refused (NOT_LEADER_OR_FOLLOWER) while a later one is appended; the first one's retries are then out of
 * sequence until the delivery timeout expires them. Small batches make many requests, as a large registration does;
 * with five requests in flight this lost records in 23 of 30 fresh topics (expired after the delivery timeout) on this
 * machine, with one (what {@link SampleRegistration} keeps) in none of 30.
 */
class RegistrationAfterTopicsIT {
    private static final int SAMPLES = 6000;

    @Test
    void registeringRightAfterCreatingTheTopicsLosesNothing() throws Exception {
        final int[] labels = IntStream.range(0, SAMPLES).map(i -> i % 10).toArray();
        for (int round = 0; round < 3; round++) {
            try (KafkaBackend broker = KafkaBackend.start(Path.of("target", "it-kafka", "register-" + UUID.randomUUID()))) {
                final Map<String, Object> client = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers()));
                TopicSetup.ensureTopics(client, TopicPlan.defaults().withSamplePartitions(12));
                final Map<String, Object> producer = new HashMap<>(client);
                producer.putAll(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.BATCH_SIZE_CONFIG, 512,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000));
                // throws (expired records) if a request was lost
                assertEquals(SAMPLES, SampleRegistration.register(producer, "fashion-mnist", labels), "round " + round);
                assertEquals(SAMPLES, recordsOn(client), "records on " + Topics.SAMPLES.name() + ", round " + round);
            }
        }
    }

    private static long recordsOn(final Map<String, Object> client) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final var partitions = consumer.partitionsFor(Topics.SAMPLES.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
