package org.isgd.trainer.feed;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;
import org.isgd.trainer.train.BatchOutcome;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainingBatch;

/**
 * Publishes a trained batch to the sampler: one {@code SamplePrediction} per sample to
 * {@code isgd.predictions} (key sampleId), then one {@code TrainerProgress} to {@code isgd.progress}
 * (key runId), the acknowledgement that lets the sampler emit further batches. Sends are
 * asynchronous ({@code acks=all}, {@code linger.ms=5}); the first failed send is rethrown by the
 * next {@link #publish} or by {@link #close}, so no failure goes unnoticed.
 *
 * <p>A {@link #transactional} publisher puts each batch's records in one transaction that the
 * batch source's acknowledgement commits together with its consumer offset ({@link #commit}): a
 * trainer killed at any point has either published and acknowledged a batch, or neither, so no
 * batch is trained twice and no prediction is lost or duplicated. Its transactional id is per run
 * and rank; starting a publisher with it fences a killed trainer and aborts its open transaction.
 */
public final class KafkaPredictionPublisher implements PredictionSink, OffsetCommitter {
    private final Producer<byte[], byte[]> producer;
    private final String trainerId;
    private final boolean transactional;
    private boolean inTransaction;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Callback onCompletion = (metadata, exception) -> {
        if (exception != null) {
            failure.compareAndSet(null, exception);
        }
    };

    /**
     * @param extraProperties Kafka client settings passed through unchanged (security, batching,
     *     {@code client.id}, ...); they may override the defaults but not the serializers
     * @param trainerId written into every prediction, to tell trainers apart
     */
    public KafkaPredictionPublisher(final String bootstrapServers, final Map<String, Object> extraProperties,
                                    final String trainerId) {
        this(new KafkaProducer<>(producerConfig(bootstrapServers, extraProperties)), trainerId, false);
    }

    KafkaPredictionPublisher(final Producer<byte[], byte[]> producer, final String trainerId) {
        this(producer, trainerId, false);
    }

    KafkaPredictionPublisher(final Producer<byte[], byte[]> producer, final String trainerId, final boolean transactional) {
        this.producer = producer;
        this.trainerId = trainerId;
        this.transactional = transactional;
    }

    /**
     * A publisher whose records become visible (to {@code read_committed} readers such as the
     * sampler) only when {@link #commit} commits them with the batch's offset.
     *
     * @param transactionalId stable per run and rank, e.g. {@link KafkaBatchSource#groupId}
     */
    public static KafkaPredictionPublisher transactional(final String bootstrapServers,
                                                         final Map<String, Object> extraProperties,
                                                         final String trainerId, final String transactionalId) {
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
        return new KafkaPredictionPublisher(producer, trainerId, true);
    }

    static Map<String, Object> producerConfig(final String bootstrapServers, final Map<String, Object> extra) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putAll(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    @Override
    public void publish(final TrainingBatch batch, final long step, final BatchOutcome outcome) {
        rethrowFailure();
        if (transactional && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
        final long now = System.currentTimeMillis();
        for (int i = 0; i < batch.size(); i++) {
            final SamplePrediction prediction = SamplePrediction.newBuilder()
                    .setRunId(batch.runId())
                    .setSampleId(batch.sampleIds()[i])
                    .setBatchSeq(batch.batchSeq())
                    .setStep(step)
                    .setLabel(outcome.labels()[i])
                    .setPCorrect(outcome.pCorrect()[i])
                    .setLoss(outcome.loss()[i])
                    .setGradNormBound(outcome.gradNormBound()[i])
                    .setPredicted(outcome.predicted()[i])
                    .setTrainerId(trainerId)
                    .setPosition(i)
                    .setTimestamp(now)
                    .build();
            send(Topics.PREDICTIONS, batch.sampleIds()[i], prediction);
        }
        final TrainerProgress progress = TrainerProgress.newBuilder()
                .setRunId(batch.runId())
                .setRank(batch.rank())
                .setBatchSeq(batch.batchSeq())
                .setStep(step)
                .setTrainLoss(outcome.trainLoss())
                .setTimestamp(now)
                .build();
        send(Topics.PROGRESS, batch.runId(), progress);
    }

    /**
     * Commits the open transaction, and with it every record published since the last commit and
     * {@code offsets} for {@code group}.
     */
    @Override
    public void commit(final Map<TopicPartition, OffsetAndMetadata> offsets, final ConsumerGroupMetadata group) {
        if (!transactional) {
            throw new IllegalStateException("publisher '" + trainerId + "' is not transactional; create it with "
                    + "KafkaPredictionPublisher.transactional to commit offsets through it");
        }
        if (!inTransaction) {
            producer.beginTransaction();
        }
        producer.sendOffsetsToTransaction(offsets, group);
        producer.commitTransaction();
        inTransaction = false;
        rethrowFailure();
    }

    private <K, V> void send(final Topic<K, V> topic, final K key, final V value) {
        final byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
        final byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        producer.send(new ProducerRecord<>(topic.name(), keyBytes, valueBytes), onCompletion);
    }

    private void rethrowFailure() {
        final Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("publishing predictions/progress for trainer '" + trainerId
                    + "' failed: " + e.getMessage() + "; check the broker connection and the topics' ACLs", e);
        }
    }

    /** Flushes every pending send, closes the producer, and rethrows a send failure if there was one. */
    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            producer.close(Duration.ofSeconds(30));
        }
        rethrowFailure();
    }
}
