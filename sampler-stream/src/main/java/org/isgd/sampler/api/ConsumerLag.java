package org.isgd.sampler.api;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Consumer lag from the Kafka Streams client metrics: the maximum over every assigned partition
 * of the consumer metric {@code records-lag} (group {@code consumer-fetch-manager-metrics}, tags
 * client-id, topic, partition) — records between a partition's log end and the consumer's
 * position at its last fetch. The stream threads' main consumers and the global consumer count;
 * the restore consumer does not (its lag is restoration still to do, not input waiting).
 */
final class ConsumerLag {
    static final String GROUP = "consumer-fetch-manager-metrics";
    static final String METRIC = "records-lag";

    private ConsumerLag() {
    }

    /** The largest lag in records; 0 when no partition is assigned or none was fetched yet. */
    static double maxRecords(final Map<MetricName, ? extends Metric> metrics) {
        double max = 0;
        for (final Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            final MetricName name = entry.getKey();
            if (!GROUP.equals(name.group()) || !METRIC.equals(name.name()) || !name.tags().containsKey("partition")
                    || name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                continue;
            }
            if (entry.getValue().metricValue() instanceof Number value && Double.isFinite(value.doubleValue())) {
                max = Math.max(max, value.doubleValue());
            }
        }
        return max;
    }
}
