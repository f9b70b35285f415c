package org.isgd.infra.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedBrokerIT {
    private static final String TOPIC = "it.txn";

    @Test
    void transactionalRecordSurvivesRestartAndListensOnLoopbackOnly() throws Exception {
        Path dir = Path.of("target", "it-kafka", "broker-" + UUID.randomUUID());
        String clusterId;
        int firstPort;
        try (EmbeddedBroker broker = EmbeddedBroker.start(0, dir)) {
            System.out.printf("EmbeddedBroker first start (format): %d ms at %s%n",
                    broker.startupTime().toMillis(), broker.bootstrapServers());
            assertTrue(broker.formattedOnStart());
            clusterId = broker.clusterId();
            firstPort = broker.port();
            assertEquals("127.0.0.1:" + broker.port(), broker.bootstrapServers());
            assertNotEquals(broker.port(), broker.controllerPort());
            assertLoopbackOnly(broker.port());
            assertLoopbackOnly(broker.controllerPort());

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get());
                assertEquals(1, nodes.size());
                assertEquals("127.0.0.1", nodes.get(0).host());
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-txn-" + UUID.randomUUID(),
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "committed"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
            }
            assertEquals(List.of("committed"), readCommitted(broker.bootstrapServers()));
        }

        // Same directory, new start: same cluster, data still there.
        try (EmbeddedBroker broker = EmbeddedBroker.start(0, dir)) {
            System.out.printf("EmbeddedBroker restart (existing data): %d ms at %s (was port %d)%n",
                    broker.startupTime().toMillis(), broker.bootstrapServers(), firstPort);
            assertFalse(broker.formattedOnStart());
            assertEquals(clusterId, broker.clusterId());
            assertEquals(List.of("committed"), readCommitted(broker.bootstrapServers()));

            // A second broker on the same port fails with a clear message.
            Path other = Path.of("target", "it-kafka", "broker-" + UUID.randomUUID());
            BrokerStartException e = assertThrows(BrokerStartException.class,
                    () -> EmbeddedBroker.start(broker.port(), other).close());
            System.out.println("port in use -> " + e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));

            // ... and so does a second broker on the same directory.
            BrokerStartException e2 = assertThrows(BrokerStartException.class,
                    () -> EmbeddedBroker.start(0, dir).close());
            System.out.println("dir in use -> " + e2.getMessage());
            assertFalse(e2.getMessage().contains("\n"));
        }
    }

    @Test
    void unusableDataDirGivesClearError() throws IOException {
        Path file = Path.of("target", "it-kafka", "broker-file-" + UUID.randomUUID());
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not a directory");
        BrokerStartException e = assertThrows(BrokerStartException.class, () -> EmbeddedBroker.start(0, file).close());
        System.out.println("file as dir -> " + e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        Files.delete(file);
    }

    private static List<String> readCommitted(String bootstrap) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    /** Every listening socket on {@code port} is bound to 127.0.0.1 (Linux /proc/net/tcp*). */
    private static void assertLoopbackOnly(int port) throws IOException {
        Path tcp = Path.of("/proc/net/tcp");
        assumeTrue(Files.isReadable(tcp), "no /proc/net/tcp");
        String hexPort = String.format(":%04X", port);
        List<String> listening = new ArrayList<>();
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(f);
            if (!Files.isReadable(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] c = line.trim().split("\\s+");
                if (c.length > 3 && c[1].endsWith(hexPort) && c[3].equals("0A")) {
                    listening.add(c[1]);
                }
            }
        }
        assertFalse(listening.isEmpty(), "nothing listens on port " + port);
        for (String local : listening) {
            // IPv4 socket, or a dual-stack IPv6 socket bound to ::ffff:127.0.0.1
            assertTrue(local.equals("0100007F" + hexPort) || local.equals("0000000000000000FFFF00000100007F" + hexPort),
                    "port " + port + " must listen on 127.0.0.1 only, found " + local);
        }
    }
}
