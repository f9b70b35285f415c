package org.isgd.sampler.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition a string key goes to with Java's default partitioner (murmur2 of its UTF-8
 * bytes), which is also how Kafka Streams partitions its repartition topics: so a task can tell
 * whether a run or dataset is its own.
 */
final class KeyPartitions {
    private KeyPartitions() {
    }

    static int of(final String key, final int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
