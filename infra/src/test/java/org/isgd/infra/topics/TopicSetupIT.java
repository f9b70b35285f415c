package org.isgd.infra.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.junit.jupiter.api.Test;

class TopicSetupIT {

    @Test
    void createsContractTopicsOnceWithThePlannedLayout() throws Exception {
        try (KafkaBackend broker = KafkaBackend.start(Path.of("target", "it-kafka", "topics-" + UUID.randomUUID()))) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            Set<String> all = Topics.ALL.stream().map(Topic::name).collect(Collectors.toSet());

            // A plan that would break co-partitioning with existing topics is refused before
            // anything is created; here nothing exists yet, so first check the plan itself.
            assertThrows(IllegalArgumentException.class,
                    () -> new TopicPlan(6, 4, 1, 6, 6, 1, java.util.OptionalInt.empty(), null));

            TopicSetup.Result first = TopicSetup.ensureTopics(client);
            System.out.println(first.summary());
            assertEquals(all, Set.copyOf(first.created()));
            assertTrue(first.existing().isEmpty());
            assertEquals(1, first.replicationFactor());
            assertEquals(1, first.brokers());

            TopicSetup.Result second = TopicSetup.ensureTopics(client, TopicPlan.defaults());
            System.out.println(second.summary());
            assertTrue(second.created().isEmpty(), second.summary());
            assertEquals(all, Set.copyOf(second.existing()));
            assertTrue(second.warnings().isEmpty(), second.summary());

            TopicSetupException e = assertThrows(TopicSetupException.class,
                    () -> TopicSetup.ensureTopics(client, TopicPlan.defaults().withSamplePartitions(3)));
            System.out.println("co-partitioning -> " + e.getMessage());
            assertTrue(e.getMessage().contains(Topics.SAMPLES.name()), e.getMessage());

            TopicSetupException rf = assertThrows(TopicSetupException.class,
                    () -> TopicSetup.ensureTopics(client, TopicPlan.defaults().withReplicationFactor(3)));
            System.out.println("rf -> " + rf.getMessage());

            try (Admin admin = Admin.create(client)) {
                Map<String, TopicDescription> d = admin.describeTopics(all).allTopicNames().get();
                Map<String, Integer> planned = TopicPlan.defaults().partitions();
                for (String n : all) {
                    assertEquals(planned.get(n), d.get(n).partitions().size(), n);
                }
                assertEquals(d.get(Topics.SAMPLES.name()).partitions().size(),
                        d.get(Topics.PREDICTIONS.name()).partitions().size());
                assertEquals(1, d.get(Topics.RUNS.name()).partitions().size());

                var runs = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RUNS.name());
                var dead = new ConfigResource(ConfigResource.Type.TOPIC, Topics.DEAD_LETTERS.name());
                var configs = admin.describeConfigs(List.of(runs, dead)).all().get();
                assertEquals("compact", configs.get(runs).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
                assertEquals(String.valueOf(TopicPlan.DEFAULT_DEAD_LETTER_RETENTION.toMillis()),
                        configs.get(dead).get(TopicConfig.RETENTION_MS_CONFIG).value());
            }
        }
    }
}
