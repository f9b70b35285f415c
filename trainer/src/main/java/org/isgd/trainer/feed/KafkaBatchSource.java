package org.isgd.trainer.feed;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.isgd.contract.Topics;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.BatchTimeoutException;
import org.isgd.trainer.train.TrainingBatch;

/**
 * Reads one trainer rank's batches of one run from {@code isgd.batches}, strictly in batchSeq
 * order: rank {@code r} of {@code worldSize} expects {@code r, r + worldSize, ...} from a given
 * start (for resume). Records of other runs or ranks are skipped; a batchSeq below the expected
 * one is a redelivery and is dropped (counted); one above it means batches were lost, and training
 * stops with both numbers rather than silently train on a different sequence.
 *
 * <p>Only committed batches are read ({@code read_committed}: the sampler writes transactionally),
 * and offsets are committed by {@link #acknowledge} after a batch was trained and published, with
 * the batchSeq in the offset's metadata ({@code batchSeq=K}), so {@link #resume} restarts a rank
 * right after its last acknowledged batch. Offsets go through the consumer, asynchronously (a
 * trainer killed may train again the few batches whose commit had not landed; the sampler ignores
 * their repeated prediction batches), or through a transactional {@link KafkaPredictionPublisher}
 * ({@link #commitThrough}) so that a batch's predictions, acknowledgement and offset are committed
 * together or not at all. The consumer is a static
 * group member ({@code group.instance.id} = the group id), so a restarted rank takes its partitions
 * over at once instead of waiting for the killed one's session to expire. Not thread-safe except
 * {@link #stop()}.
 */
public final class KafkaBatchSource implements BatchSource {
    /** The acknowledged batchSeq in a committed offset's metadata. */
    private static final Pattern BATCH_SEQ = Pattern.compile("(?:^|[ ;,])batchSeq=(-?\\d+)");

    private final Consumer<String, byte[]> consumer;
    private final String runId;
    private final int rank;
    private final int worldSize;
    private final ArrayDeque<ConsumerRecord<String, byte[]>> fetched = new ArrayDeque<>();
    private final Map<Long, TopicPartition> partitionOf = new HashMap<>();
    private final Map<Long, Long> offsetOf = new HashMap<>();
    private final long first;
    private OffsetCommitter committer;
    private final java.util.concurrent.atomic.AtomicReference<Exception> commitFailure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private Map<TopicPartition, OffsetAndMetadata> lastOffsets;
    private long expected;
    private long duplicatesDropped;
    private long otherRecordsSkipped;
    private boolean rewind;
    private volatile boolean stopped;

    /**
     * @param extraProperties Kafka client settings passed through unchanged (security, timeouts,
     *     {@code client.id}, ...); the group id and offset reset defaults may be overridden there,
     *     read_committed, manual commits and the deserializers may not
     * @param firstBatchSeq the batchSeq to start at: {@code rank} for a new run, the next
     *     untrained batch when resuming
     */
    public KafkaBatchSource(final String bootstrapServers, final Map<String, Object> extraProperties,
                            final String runId, final int rank, final int worldSize, final long firstBatchSeq) {
        this(new KafkaConsumer<>(consumerConfig(bootstrapServers, extraProperties, runId, rank)),
                runId, rank, worldSize, firstBatchSeq);
    }

    KafkaBatchSource(final Consumer<String, byte[]> consumer, final String runId, final int rank,
                     final int worldSize, final long firstBatchSeq) {
        if (worldSize <= 0 || rank < 0 || rank >= worldSize || Math.floorMod(firstBatchSeq, worldSize) != rank) {
            consumer.close();
            throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize
                    + " cannot start at batchSeq " + firstBatchSeq + ": batch k goes to rank k mod worldSize");
        }
        this.consumer = consumer;
        this.runId = runId;
        this.rank = rank;
        this.worldSize = worldSize;
        this.first = firstBatchSeq;
        this.expected = firstBatchSeq;
        this.committer = this::commitAsync;
        consumer.subscribe(List.of(Topics.BATCHES.name()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
                if (rewind) {
                    consumer.seekToBeginning(partitions);
                    rewind = false;
                }
            }

            @Override
            public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            }
        });
    }

    /**
     * A source that trains the rank from its first batch, reading isgd.batches from the beginning
     * whatever offsets the group committed before (a run trained again from scratch).
     */
    public static KafkaBatchSource fromScratch(final String bootstrapServers, final Map<String, Object> extraProperties,
                                               final String runId, final int rank, final int worldSize) {
        final KafkaBatchSource source = new KafkaBatchSource(bootstrapServers, extraProperties, runId, rank, worldSize, rank);
        source.rewind = true;
        return source;
    }

    /**
     * A source that continues where this rank's consumer group left off: right after the batch whose
     * acknowledgement was committed last (its batchSeq is read from the committed offset's metadata),
     * or at the rank's first batch if the group has committed nothing yet. Create a transactional
     * publisher for the same rank first: its start aborts a killed trainer's open transaction, whose
     * offset would otherwise hold this look-up up.
     */
    public static KafkaBatchSource resume(final String bootstrapServers, final Map<String, Object> extraProperties,
                                          final String runId, final int rank, final int worldSize) {
        return resume(new KafkaConsumer<>(consumerConfig(bootstrapServers, extraProperties, runId, rank)),
                runId, rank, worldSize);
    }

    static KafkaBatchSource resume(final Consumer<String, byte[]> consumer, final String runId, final int rank,
                                   final int worldSize) {
        final long start;
        try {
            start = lastAcknowledged(consumer, runId, rank).stream().map(seq -> seq + worldSize).findFirst()
                    .orElse((long) rank);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        return new KafkaBatchSource(consumer, runId, rank, worldSize, start);
    }

    /** The batchSeq in the group's committed offset on isgd.batches, if it has committed one. */
    private static Optional<Long> lastAcknowledged(final Consumer<String, byte[]> consumer, final String runId,
                                                   final int rank) {
        final Set<TopicPartition> partitions = consumer.partitionsFor(Topics.BATCHES.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toSet());
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + Topics.BATCHES.name() + " does not exist; create the topics "
                    + "with 'infra/isgd topics'");
        }
        Optional<Long> last = Optional.empty();
        for (final Map.Entry<TopicPartition, OffsetAndMetadata> e : consumer.committed(partitions).entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            final Matcher m = BATCH_SEQ.matcher(e.getValue().metadata() == null ? "" : e.getValue().metadata());
            if (!m.find()) {
                throw new IllegalStateException("consumer group " + groupId(runId, rank) + " committed offset "
                        + e.getValue().offset() + " on " + e.getKey() + " without the batchSeq it acknowledged "
                        + "(metadata '" + e.getValue().metadata() + "'); start this rank at an explicit batchSeq "
                        + "(--start-batch) or from scratch (--fresh)");
            }
            final long seq = Long.parseLong(m.group(1));
            last = Optional.of(last.map(l -> Math.max(l, seq)).orElse(seq));
        }
        return last;
    }

    /**
     * Commits acknowledged offsets through {@code through} (a transactional publisher) instead of the
     * consumer, so they commit atomically with that batch's predictions and progress.
     */
    public void commitThrough(final OffsetCommitter through) {
        this.committer = through;
    }

    /** The consumer settings: defaults, then the caller's extras, then what correctness requires. */
    static Map<String, Object> consumerConfig(final String bootstrapServers, final Map<String, Object> extra,
                                              final String runId, final int rank) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(runId, rank));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId(runId, rank));
        config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupId(runId, rank));
        config.putAll(extra);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    /** {@code isgd-trainer.<runId>.<rank>}: one consumer group per rank, so each rank sees every batch. */
    public static String groupId(final String runId, final int rank) {
        return "isgd-trainer." + runId + "." + rank;
    }

    @Override
    public Optional<TrainingBatch> next(final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // Records are examined one at a time, so a gap fails only after the batches before it were trained.
            while (!fetched.isEmpty()) {
                final TrainingBatch batch = accept(fetched.poll());
                if (batch != null) {
                    return Optional.of(batch);
                }
            }
            final long remaining = deadline - System.nanoTime();
            if (stopped) {
                return Optional.empty();
            }
            if (remaining <= 0) {
                throw new BatchTimeoutException("no batch " + expected + " for run '" + runId + "' rank " + rank
                        + " on " + Topics.BATCHES.name() + " within " + timeout.toSeconds() + " s; check that the "
                        + "sampler is running, the run is ACTIVE and the progress topic reaches it");
            }
            try {
                consumer.poll(Duration.ofNanos(remaining)).forEach(fetched::add);
            } catch (WakeupException e) {
                if (stopped) {
                    return Optional.empty();
                }
                throw e;
            }
        }
    }

    /** The batch {@code record} holds if it is the expected one, null if it is to be skipped. */
    private TrainingBatch accept(final ConsumerRecord<String, byte[]> record) {
        if (!runId.equals(record.key())) {
            otherRecordsSkipped++; // keyed by runId: another run's batch needs no decoding
            return null;
        }
        final IndexBatchCodec.Batch value = decode(record);
        if (!runId.equals(value.runId()) || value.rank() != rank) {
            otherRecordsSkipped++;
            return null;
        }
        final long seq = value.batchSeq();
        if (seq < expected) {
            duplicatesDropped++;
            return null;
        }
        if (seq > expected) {
            throw new IllegalStateException("gap in " + Topics.BATCHES.name() + " for run '" + runId + "' rank "
                    + rank + ": expected batchSeq " + expected + " but received " + seq + " (" + where(record)
                    + "); batches were lost or the trainer was started at the wrong batchSeq");
        }
        final TrainingBatch batch = toTrainingBatch(value, record);
        partitionOf.put(seq, new TopicPartition(record.topic(), record.partition()));
        offsetOf.put(seq, record.offset());
        expected += worldSize;
        return batch;
    }

    private static IndexBatchCodec.Batch decode(final ConsumerRecord<String, byte[]> record) {
        try {
            return IndexBatchCodec.decode(record.value());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot decode the IndexBatch at " + where(record) + ": " + e.getMessage()
                    + "; the record was not written by an isgd sampler of a compatible version", e);
        }
    }

    private static TrainingBatch toTrainingBatch(final IndexBatchCodec.Batch value,
                                                 final ConsumerRecord<String, byte[]> record) {
        try {
            return new TrainingBatch(value.runId(), value.batchSeq(), value.rank(), value.sampleIds(), value.weights(),
                    value.policy(), value.phase());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("malformed IndexBatch at " + where(record) + ": " + e.getMessage(), e);
        }
    }

    private static String where(final ConsumerRecord<?, ?> record) {
        return record.topic() + " partition " + record.partition() + " offset " + record.offset();
    }

    /**
     * Commits the offset past {@code batch}, with {@code batchSeq=K} as its metadata, so a restarted
     * trainer neither receives it again nor needs to be told where to start.
     */
    @Override
    public void acknowledge(final TrainingBatch batch) {
        final TopicPartition partition = partitionOf.remove(batch.batchSeq());
        final Long offset = offsetOf.remove(batch.batchSeq());
        if (partition == null || offset == null) {
            throw new IllegalArgumentException("batch " + batch.batchSeq() + " of run '" + batch.runId()
                    + "' was not delivered by this source or was already acknowledged");
        }
        final Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(partition,
                new OffsetAndMetadata(offset + 1, "batchSeq=" + batch.batchSeq()));
        // the group id alone, without generation: a transactional publisher's id already fences a killed
        // trainer, and a generation that changed with a broker restart would only fail the commit
        final ConsumerGroupMetadata group = new ConsumerGroupMetadata(groupId(runId, rank));
        try {
            committer.commit(offsets, group);
        } catch (WakeupException e) {
            if (!stopped) {
                throw e;
            }
            // stopped mid-commit (Ctrl-C): commit once more without the pending wake-up, so the batch
            // just trained is not trained again after a restart
            committer.commit(offsets, group);
        }
    }

    /** This rank's batches before the first one this source delivers: {@code (first - rank) / worldSize}. */
    @Override
    public OptionalLong batchesBefore() {
        return OptionalLong.of((first - rank) / worldSize);
    }

    /** The batchSeq the next batch must have. */
    public long expectedBatchSeq() {
        return expected;
    }

    /** Redelivered batches (batchSeq below the expected one) that were dropped. */
    public long duplicatesDropped() {
        return duplicatesDropped;
    }

    /** Records for other runs or ranks that were skipped. */
    public long otherRecordsSkipped() {
        return otherRecordsSkipped;
    }

    /**
     * The default: offsets commit through the consumer without waiting for the broker (the sampler
     * learns of the batch from its prediction batch, not from this offset); the last one is
     * committed synchronously on {@link #close}. A failed commit is rethrown by the next one.
     */
    private void commitAsync(final Map<TopicPartition, OffsetAndMetadata> offsets, final ConsumerGroupMetadata group) {
        final Exception failed = commitFailure.get();
        if (failed != null) {
            throw new IllegalStateException("committing the offset of an acknowledged batch of run '" + runId
                    + "' rank " + rank + " failed: " + failed.getMessage(), failed);
        }
        lastOffsets = offsets;
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                commitFailure.compareAndSet(null, error);
            }
        });
    }

    /** Makes a blocked or later {@link #next} return empty; safe from any thread (e.g. a shutdown hook). */
    public void stop() {
        stopped = true;
        consumer.wakeup();
    }

    @Override
    public void close() {
        try {
            if (lastOffsets != null && commitFailure.get() == null) {
                consumer.commitSync(lastOffsets); // the last acknowledged batch: a restart resumes right after it
            }
        } catch (RuntimeException e) {
            System.err.println("isgd: could not commit the last acknowledged offset of run '" + runId + "' rank " + rank
                    + " (" + e.getMessage() + "); a restart may train a few batches again");
        } finally {
            consumer.close();
        }
    }
}
