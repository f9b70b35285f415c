package org.isgd.trainer.feed;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Where a {@link KafkaBatchSource} commits the offsets of acknowledged batches. */
@FunctionalInterface
public interface OffsetCommitter {
    /**
     * Commits {@code offsets} for the consumer group {@code group}; may return before they are
     * durable (they are by the committer's close, or its next transaction commit).
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group);
}
