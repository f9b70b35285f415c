package org.isgd.trainer.feed;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.isgd.contract.Columns;
import org.isgd.contract.Topics;
import org.isgd.schemas.PredictionBatch;
import org.isgd.trainer.train.BatchOutcome;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainingBatch;

/**
 * Publishes each trained batch to the sampler as one {@code PredictionBatch} on
 * {@code isgd.prediction-batches} (key runId): the batch's acknowledgement and a row per sample.
 * {@link #publish} only hands the batch to a background thread, which encodes and sends it, so
 * the next training step starts at once. The first failure there is rethrown by the next
 * {@link #publish}, {@link #flush} or {@link #close}, so none goes unnoticed.
 *
 * <p>A {@link #transactional} publisher puts batches and the batch source's offsets
 * ({@link #commit}) into transactions, each committed once {@code commitEvery} batches are in it
 * or {@code commitInterval} has passed since it began, whichever comes first, and on
 * {@link #flush} (before a checkpoint) and {@link #close}. The sampler sees a batch's predictions
 * and acknowledgement when its transaction commits; a trainer killed at any point has published
 * and acknowledged a batch together with its offset, or neither, so after a restart it trains
 * again at most the batches of the open transaction (up to {@code commitEvery}) and the sampler
 * never sees a prediction twice. Its transactional id is per run and rank; starting a publisher
 * with it fences a killed trainer and aborts its open transaction.
 */
public final class KafkaPredictionPublisher implements PredictionSink, OffsetCommitter {
    /** Batches per transaction at most: well under the default lead (8), so the sampler keeps ahead. */
    public static final int DEFAULT_COMMIT_EVERY = 4;
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<byte[], byte[]> producer;
    private final String trainerId;
    private final boolean transactional;
    private final int commitEvery;
    private final long commitIntervalNanos;
    private final BlockingQueue<Object> queue;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Callback onCompletion = (metadata, exception) -> {
        if (exception != null) {
            failure.compareAndSet(null, exception);
        }
    };
    private final Thread sender;
    // owned by the sender thread
    private boolean inTransaction;
    private long transactionStart;
    private int batchesInTransaction;
    /** Batches in the open transaction whose offsets have not come yet: it waits for them before committing. */
    private int awaitingOffsets;
    private final Map<TopicPartition, OffsetAndMetadata> pendingOffsets = new HashMap<>();
    private ConsumerGroupMetadata pendingGroup;

    private record Published(TrainingBatch batch, long step, BatchOutcome outcome, long timestamp) {
    }

    private record Offsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    }

    private record Flush(CompletableFuture<Void> done) {
    }

    /**
     * @param extraProperties Kafka client settings passed through unchanged (security, batching,
     *     {@code client.id}, ...); they may override the defaults but not the serializers
     * @param trainerId written into every record, to tell trainers apart
     */
    public KafkaPredictionPublisher(final String bootstrapServers, final Map<String, Object> extraProperties,
                                    final String trainerId) {
        this(new KafkaProducer<>(producerConfig(bootstrapServers, extraProperties)), trainerId, false,
                DEFAULT_COMMIT_EVERY, DEFAULT_COMMIT_INTERVAL);
    }

    KafkaPredictionPublisher(final Producer<byte[], byte[]> producer, final String trainerId) {
        this(producer, trainerId, false, DEFAULT_COMMIT_EVERY, DEFAULT_COMMIT_INTERVAL);
    }

    KafkaPredictionPublisher(final Producer<byte[], byte[]> producer, final String trainerId, final boolean transactional,
                             final int commitEvery, final Duration commitInterval) {
        if (commitEvery < 1) {
            throw new IllegalArgumentException("commitEvery must be at least 1, was " + commitEvery);
        }
        this.producer = producer;
        this.trainerId = trainerId;
        this.transactional = transactional;
        this.commitEvery = commitEvery;
        this.commitIntervalNanos = commitInterval.toNanos();
        // bounded: a trainer far ahead of its broker waits instead of filling the heap
        this.queue = new LinkedBlockingQueue<>(4 * commitEvery + 16);
        this.sender = new Thread(this::send, "isgd-publisher-" + trainerId);
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * A publisher whose records become visible (to {@code read_committed} readers such as the
     * sampler) only when a transaction commits them with the batches' offsets.
     *
     * @param transactionalId stable per run and rank, e.g. {@link KafkaBatchSource#groupId}
     * @param commitEvery batches per transaction at most
     * @param commitInterval a transaction commits at the latest this long after it began
     */
    public static KafkaPredictionPublisher transactional(final String bootstrapServers,
                                                         final Map<String, Object> extraProperties,
                                                         final String trainerId, final String transactionalId,
                                                         final int commitEvery, final Duration commitInterval) {
        final Map<String, Object> config = producerConfig(bootstrapServers, extraProperties);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw new IllegalStateException("cannot start transactional publishing as '" + transactionalId + "': "
                    + e.getMessage() + "; the brokers must support transactions (on one broker set "
                    + "transaction.state.log.replication.factor=1 and transaction.state.log.min.isr=1)", e);
        }
        return new KafkaPredictionPublisher(producer, trainerId, true, commitEvery, commitInterval);
    }

    public static KafkaPredictionPublisher transactional(final String bootstrapServers,
                                                         final Map<String, Object> extraProperties,
                                                         final String trainerId, final String transactionalId) {
        return transactional(bootstrapServers, extraProperties, trainerId, transactionalId, DEFAULT_COMMIT_EVERY,
                DEFAULT_COMMIT_INTERVAL);
    }

    static Map<String, Object> producerConfig(final String bootstrapServers, final Map<String, Object> extra) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // one record per trained batch: waiting for more only delays the acknowledgement
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.putAll(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    @Override
    public void publish(final TrainingBatch batch, final long step, final BatchOutcome outcome) {
        enqueue(new Published(batch, step, outcome, System.currentTimeMillis()));
    }

    /**
     * Adds {@code offsets} for {@code group} to the open transaction: they commit with the batches
     * published before them. Returns at once.
     */
    @Override
    public void commit(final Map<TopicPartition, OffsetAndMetadata> offsets, final ConsumerGroupMetadata group) {
        if (!transactional) {
            throw new IllegalStateException("publisher '" + trainerId + "' is not transactional; create it with "
                    + "KafkaPredictionPublisher.transactional to commit offsets through it");
        }
        enqueue(new Offsets(Map.copyOf(offsets), group));
    }

    /** Waits until every batch published so far is sent (transactional: committed, with its offsets). */
    @Override
    public void flush() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Flush(done));
        try {
            done.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while flushing published batches", e);
        } catch (ExecutionException | TimeoutException e) {
            rethrowFailure();
            throw new IllegalStateException("publishing for trainer '" + trainerId + "' did not finish within "
                    + CLOSE_TIMEOUT.toSeconds() + " s; check the broker connection", e);
        }
        rethrowFailure();
    }

    private void enqueue(final Object item) {
        rethrowFailure();
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                rethrowFailure();
                if (!sender.isAlive()) {
                    throw new IllegalStateException("the publisher of trainer '" + trainerId + "' has stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        }
    }

    /** The sender thread: encodes and sends what was published, and commits transactions when due. */
    private void send() {
        try {
            while (true) {
                final Object item = inTransaction && awaitingOffsets == 0
                        ? queue.poll(Math.max(0, transactionStart + commitIntervalNanos - System.nanoTime()),
                        TimeUnit.NANOSECONDS)
                        : queue.take();
                if (item == null) {
                    commitTransaction(); // the interval passed
                } else if (item instanceof Published p) {
                    beginTransaction();
                    producer.send(record(p), onCompletion);
                    awaitingOffsets += transactional ? 1 : 0;
                } else if (item instanceof Offsets o) {
                    beginTransaction();
                    awaitingOffsets = 0;
                    pendingOffsets.putAll(o.offsets());
                    pendingGroup = o.group();
                    if (++batchesInTransaction >= commitEvery) {
                        commitTransaction();
                    }
                } else if (item instanceof Flush f) {
                    commitTransaction();
                    producer.flush();
                    f.done().complete(null);
                } else {
                    return; // closing
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            queue.forEach(item -> {
                if (item instanceof Flush f) {
                    f.done().completeExceptionally(e);
                }
            });
        }
    }

    private void beginTransaction() {
        if (transactional && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            transactionStart = System.nanoTime();
            batchesInTransaction = 0;
        }
    }

    private void commitTransaction() {
        if (!inTransaction) {
            return;
        }
        if (!pendingOffsets.isEmpty()) {
            producer.sendOffsetsToTransaction(Map.copyOf(pendingOffsets), pendingGroup);
            pendingOffsets.clear();
        }
        producer.commitTransaction();
        inTransaction = false;
    }

    private ProducerRecord<byte[], byte[]> record(final Published p) {
        final TrainingBatch batch = p.batch();
        final BatchOutcome outcome = p.outcome();
        final PredictionBatch.Builder value = PredictionBatch.newBuilder()
                .setRunId(batch.runId())
                .setRank(batch.rank())
                .setBatchSeq(batch.batchSeq())
                .setStep(p.step())
                .setTrainLoss(outcome.trainLoss())
                .setTrainerId(trainerId)
                .setTimestamp(p.timestamp())
                .setCount(batch.size())
                .setSampleIds(Columns.ofLongs(batch.sampleIds()))
                .setLabels(Columns.ofInts(outcome.labels()))
                .setPCorrect(Columns.ofFloats(outcome.pCorrect()))
                .setLoss(Columns.ofFloats(outcome.loss()))
                .setGradNormBound(Columns.ofFloats(outcome.gradNormBound()))
                .setPredicted(Columns.ofInts(outcome.predicted()));
        if (outcome.trained() != null) {
            value.setTrained(Columns.ofFlags(outcome.trained())); // candidates: rows are positions 0..count-1
        }
        return new ProducerRecord<>(Topics.PREDICTION_BATCHES.name(),
                Topics.PREDICTION_BATCHES.keySerde().serializer().serialize(null, batch.runId()),
                Topics.PREDICTION_BATCHES.valueSerde().serializer().serialize(null, value.build()));
    }

    private void rethrowFailure() {
        final Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("publishing prediction batches for trainer '" + trainerId
                    + "' failed: " + e.getMessage() + "; check the broker connection and the topics' ACLs", e);
        }
    }

    /** Sends (transactional: commits) everything published, closes the producer, rethrows a failure if there was one. */
    @Override
    public void close() {
        try {
            if (failure.get() == null && sender.isAlive()) {
                flush();
            }
        } finally {
            queue.offer(Boolean.FALSE);
            try {
                sender.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.close(CLOSE_TIMEOUT);
        }
        rethrowFailure();
    }
}
