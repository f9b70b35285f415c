package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {

    private static void put(final Map<MetricName, Metric> metrics, final String group, final String name,
                            final String client, final String partition, final Object value) {
        final Map<String, String> tags = new HashMap<>(Map.of("client-id", client, "topic", "t"));
        if (partition != null) {
            tags.put("partition", partition);
        }
        final MetricName metricName = new MetricName(name, group, "", tags);
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    @Test
    void theLargestPartitionLagOfTheMainAndGlobalConsumersCounts() {
        final Map<MetricName, Metric> metrics = new HashMap<>();
        put(metrics, ConsumerLag.GROUP, ConsumerLag.METRIC, "app-StreamThread-1-consumer", "0", 12.0);
        put(metrics, ConsumerLag.GROUP, ConsumerLag.METRIC, "app-StreamThread-1-consumer", "1", 40.0);
        put(metrics, ConsumerLag.GROUP, ConsumerLag.METRIC, "app-global-consumer", "0", 3.0);
        put(metrics, ConsumerLag.GROUP, ConsumerLag.METRIC, "app-StreamThread-1-restore-consumer", "0", 900.0);
        put(metrics, ConsumerLag.GROUP, ConsumerLag.METRIC, "app-StreamThread-1-consumer", "2", Double.NaN);
        put(metrics, ConsumerLag.GROUP, "records-lag-max", "app-StreamThread-1-consumer", null, 500.0);
        put(metrics, "stream-thread-metrics", ConsumerLag.METRIC, "app-StreamThread-1", "0", 700.0);
        assertEquals(40.0, ConsumerLag.maxRecords(metrics));
    }

    @Test
    void noAssignedPartitionIsNoLag() {
        assertEquals(0.0, ConsumerLag.maxRecords(Map.of()));
    }
}
