package org.isgd.sampler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How many run tasks the sampler has: the partitions of isgd.prediction-batches, looked up before
 * the streams start. A trainer's producer puts a run's prediction batches on partition
 * murmur2(runId) mod that count, and the sampler gives the run to the task of that partition, so
 * the batches need no repartition hop; the sampler's by-run topic gets the same count. The older
 * acknowledgements on isgd.progress take the same path when that topic has as many partitions.
 */
final class RunPartitions {
    private RunPartitions() {
    }

    /** The partitions of a contract topic the run tasks read. */
    static int of(final SamplerConfig config, final String topic) {
        final StreamsConfig streams = new StreamsConfig(config.streamsProperties());
        final Map<String, Object> admin = streams.getAdminConfigs(config.applicationId() + "-run-partitions");
        try (Admin client = Admin.create(admin)) {
            return client.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic " + topic + " does not exist: create the contract topics with "
                        + "'isgd topics' (this sampler reads from it)", e);
            }
            throw new IllegalStateException("cannot describe " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot describe " + topic + " within 60 s: is the broker at "
                    + config.bootstrapServers() + " reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing " + topic, e);
        }
    }
}
