package org.isgd.sampler;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Creates the sharded topology's internal topic ({@link SamplerConfig#shardTopic()}) before the
 * streams start: records flow from the runs' coordinators back to the shards through it, a loop
 * Kafka Streams cannot make with its own repartition topics. Its partition count is the number
 * of shards; an existing topic with another count is an error, not something to guess around.
 */
final class ShardTopic {
    private ShardTopic() {
    }

    static void ensure(final SamplerConfig config) {
        final StreamsConfig streams = new StreamsConfig(config.streamsProperties());
        final Map<String, Object> admin = streams.getAdminConfigs(config.applicationId() + "-shard-topic");
        final int replication = streams.getInt(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        final String name = config.shardTopic();
        try (Admin client = Admin.create(admin)) {
            try {
                client.createTopics(List.of(new NewTopic(name, Optional.of(config.shards()),
                        replication < 0 ? Optional.empty() : Optional.of((short) replication))))
                        .all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create the shard topic " + name + ": " + e.getCause(), e);
                }
            }
            final TopicDescription topic = describe(client, name);
            if (topic.partitions().size() != config.shards()) {
                throw new IllegalStateException("the shard topic " + name + " has " + topic.partitions().size()
                        + " partitions but this instance was started with " + config.shards() + " shards; start every "
                        + "instance of " + config.applicationId() + " with --shards " + topic.partitions().size()
                        + ", or use a new --application-id");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the shard topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the shard topic " + name + ": " + e, e);
        }
    }

    /** A topic just created may not be in every broker's metadata yet: retry that for up to a minute. */
    private static TopicDescription describe(final Admin client, final String name)
            throws InterruptedException, ExecutionException, TimeoutException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return client.describeTopics(List.of(name)).allTopicNames().get(60, TimeUnit.SECONDS).get(name);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
