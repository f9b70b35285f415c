package org.isgd.sampler.reference;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.isgd.contract.IrreducibleLossRows;
import org.isgd.contract.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code isgd.irreducible-losses} from its beginning into a {@link ReferenceLossTable}, on a
 * thread of its own, and keeps following it: the side input of the noise guards' reference check.
 * The losses are static side data, not state: the reader keeps no offsets and reads the whole
 * topic again when the sampler starts. A dataset's new version is published when the reader has
 * caught up with the topic's end, or at most every {@link #PUBLISH_EVERY} while it catches up, so
 * a run re-applies a large dataset's losses a few times at most. A record that cannot be used
 * (does not decode, a column of the wrong length, a negative or non-finite loss, a key that is not
 * its dataset) is logged with its position and counted, and the reader goes on; it is not
 * dead-lettered, because every start would send it again.
 */
public final class ReferenceLossReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceLossReader.class);
    static final Duration PUBLISH_EVERY = Duration.ofSeconds(2);
    private static final Duration TOPIC_RETRY = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ReferenceLossTable table;
    private final Listener listener;
    private final Thread thread;
    /** Counted down by {@link #close}: ends the wait for the topic without interrupting the consumer. */
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    /** The datasets changed since their last version was published, each its next version's whole map. */
    private final Map<String, Long2IntOpenHashMap> building = new HashMap<>();

    /** What the reader tells the sampler's metrics. */
    public interface Listener {
        void referenceLossesRead(int rows);

        void referenceRecordRefused();
    }

    /**
     * @param consumerConfig a plain consumer's settings (bootstrap servers, security); group, offsets,
     *     isolation and deserializers are set here
     */
    public ReferenceLossReader(final Map<String, Object> consumerConfig, final ReferenceLossTable table,
                               final Listener listener) {
        final Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.consumer = new KafkaConsumer<>(config);
        this.table = table;
        this.listener = listener;
        this.thread = new Thread(this::run, "isgd-reference-losses");
        thread.setDaemon(true);
    }

    public ReferenceLossReader start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            final List<TopicPartition> partitions = awaitPartitions();
            if (partitions == null) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long lastPublish = System.nanoTime();
            while (!closing()) {
                consumer.poll(Duration.ofSeconds(1)).forEach(this::accept);
                boolean caughtUp = true;
                for (final TopicPartition p : partitions) {
                    caughtUp &= consumer.position(p) >= end.get(p);
                }
                if (!building.isEmpty() && (caughtUp || System.nanoTime() - lastPublish > PUBLISH_EVERY.toNanos())) {
                    publish();
                    lastPublish = System.nanoTime();
                }
                if (caughtUp) {
                    end = consumer.endOffsets(partitions);
                }
            }
        } catch (WakeupException e) {
            if (!closing()) {
                LOG.error("reference-loss reader woken up unexpectedly; the noise guards keep the losses read so far", e);
            }
        } catch (RuntimeException e) {
            if (!closing()) {
                LOG.error("reference-loss reader failed; the noise guards keep the losses read so far", e);
            }
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing the reference-loss reader's consumer", e);
            }
        }
    }

    /** The topic's partitions, waiting for the topic to exist; null when closed first. */
    private List<TopicPartition> awaitPartitions() throws WakeupException {
        boolean told = false;
        while (!closing()) {
            final List<PartitionInfo> infos = consumer.partitionsFor(Topics.IRREDUCIBLE_LOSSES.name());
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            if (!told) {
                LOG.warn("topic {} does not exist yet: the noise guards have no reference losses until it does "
                        + "(create the contract topics with 'isgd topics')", Topics.IRREDUCIBLE_LOSSES.name());
                told = true;
            }
            try {
                if (closed.await(TOPIC_RETRY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void accept(final ConsumerRecord<byte[], byte[]> record) {
        final IrreducibleLossRows rows;
        try {
            rows = IrreducibleLossRows.decode(record.key(), record.value());
        } catch (RuntimeException e) {
            listener.referenceRecordRefused();
            LOG.warn("refused the record at {}-{} offset {}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return;
        }
        // copy-on-write: the published version is the only full map between changes
        final Long2IntOpenHashMap map = building.computeIfAbsent(rows.dataset(), d -> {
            final ReferenceLosses published = table.of(d);
            return published == null ? new Long2IntOpenHashMap() : published.copy();
        });
        for (int i = 0; i < rows.sampleIds().length; i++) {
            map.put(rows.sampleIds()[i], Float.floatToRawIntBits(rows.losses()[i]));
        }
        listener.referenceLossesRead(rows.sampleIds().length);
    }

    private void publish() {
        building.forEach((dataset, map) -> { // handed over, not copied
            table.publish(dataset, map);
            LOG.info("reference losses of dataset '{}': {} samples (version {})", dataset, map.size(),
                    table.of(dataset).version());
        });
        building.clear();
    }

    private boolean closing() {
        return closed.getCount() == 0;
    }

    @Override
    public void close() {
        closed.countDown(); // also ends the wait for the topic
        if (!thread.isAlive()) {
            if (thread.getState() == Thread.State.NEW) {
                consumer.close(Duration.ZERO);
            }
            return;
        }
        consumer.wakeup(); // out of a poll
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
