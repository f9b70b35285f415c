package org.isgd.infra.bench.sampler;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.isgd.contract.Topics;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.TrainerProgress;

/**
 * A trainer that trains nothing: it reads the benchmark runs' batches from isgd.batches
 * ({@code read_committed}, in order) and, depending on its mode, either acknowledges each at once
 * with a bare {@code TrainerProgress} ({@link Mode#ACK}: the sampler's emission is the only limit),
 * or answers each with a {@code PredictionBatch} of made-up predictions for every sample, as fast
 * as it can or paced to a rate of predictions per second ({@link Mode#TRAIN}: the sampler's update
 * rate, or a trainer's steady load under which latency is measured). While {@link Mode#PAUSED} it
 * reads nothing. Its first prediction batches also visit the {@link HistoryProbes}.
 */
final class FakeTrainer implements AutoCloseable {
    enum Mode { PAUSED, ACK, TRAIN }

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Set<String> runs;
    private final HistoryProbes probes;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong indices = new AtomicLong();
    /** The newest createdAt of the batches read (wall-clock ms). */
    private final AtomicLong lastCreatedAt = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile Mode mode = Mode.PAUSED;
    private volatile double rate;
    private volatile boolean closed;

    /** @param probes samples whose visits it stamps into its first prediction batches */
    FakeTrainer(final Map<String, Object> client, final Set<String> runs, final HistoryProbes probes) {
        final Map<String, Object> consumerConfig = new LinkedHashMap<>(client);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        final Map<String, Object> producerConfig = new LinkedHashMap<>(client);
        producerConfig.put("acks", "all");
        producerConfig.put("linger.ms", 2);
        producerConfig.put("batch.size", 256 * 1024);
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.runs = runs;
        this.probes = probes;
        final List<TopicPartition> partitions = consumer.partitionsFor(Topics.BATCHES.name(), Duration.ofSeconds(30))
                .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::loop, "bench-trainer");
        thread.setDaemon(true);
        thread.start();
    }

    void ack() {
        mode = Mode.ACK;
    }

    /** Trains at {@code predictionsPerSecond} (all runs together); infinite = as fast as it goes. */
    void train(final double predictionsPerSecond) {
        rate = predictionsPerSecond;
        mode = Mode.TRAIN;
    }

    void pause() {
        mode = Mode.PAUSED;
    }

    long batches() {
        return batches.get();
    }

    /** The newest createdAt (wall-clock ms) of the batches read so far. */
    long lastCreatedAt() {
        return lastCreatedAt.get();
    }

    long indices() {
        return indices.get();
    }

    void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("the benchmark's trainer failed: " + failure.get().getMessage(), failure.get());
        }
    }

    private void loop() {
        final SplittableRandom random = new SplittableRandom(2);
        long due = System.nanoTime();
        try {
            while (!closed) {
                if (mode == Mode.PAUSED) {
                    Thread.sleep(20);
                    due = System.nanoTime();
                    continue;
                }
                for (final ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    if (!runs.contains(record.key())) {
                        continue;
                    }
                    final IndexBatchCodec.Batch batch = IndexBatchCodec.decode(record.value());
                    if (mode == Mode.TRAIN) {
                        if (!Double.isInfinite(rate)) {
                            due = Math.max(due, System.nanoTime() - 1_000_000_000L); // no catching up after a stall
                            due += (long) (batch.size() * 1e9 / rate);
                            LockSupport.parkNanos(due - System.nanoTime());
                        }
                        send(Topics.PREDICTION_BATCHES.name(), record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                Topics.PREDICTION_BATCHES.valueSerde().serializer().serialize(null,
                                        SyntheticData.predictions(batch, random, probes.next(record.key()))));
                    } else {
                        acknowledge(batch);
                    }
                    batches.incrementAndGet();
                    indices.addAndGet(batch.size());
                    lastCreatedAt.accumulateAndGet(batch.createdAt(), Math::max);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closed) {
                failure.compareAndSet(null, e);
            }
        }
    }

    private void acknowledge(final IndexBatchCodec.Batch batch) {
        final TrainerProgress ack = TrainerProgress.newBuilder().setRunId(batch.runId()).setRank(batch.rank())
                .setBatchSeq(batch.batchSeq()).setStep(batch.batchSeq()).setTrainLoss(0f)
                .setTimestamp(System.currentTimeMillis()).build();
        send(Topics.PROGRESS.name(), Topics.PROGRESS.keySerde().serializer().serialize(Topics.PROGRESS.name(),
                batch.runId()), Topics.PROGRESS.valueSerde().serializer().serialize(Topics.PROGRESS.name(), ack));
    }

    private void send(final String topic, final byte[] key, final byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value), (meta, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(10));
    }
}
