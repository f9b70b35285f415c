package org.isgd.infra.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.Topics;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.progress.Progress;
import org.isgd.infra.topics.Clients;
import org.isgd.schemas.SampleRegistered;
import org.isgd.trainer.data.FashionMnistFile;
import org.isgd.trainer.data.IdxReader;
import org.isgd.trainer.data.LabelledImages;

/** Publishes a SampleRegistered for each training sample: sampleId = index in the training file. */
public final class SampleRegistration {
    public static final String FASHION_MNIST = "fashion-mnist";

    private SampleRegistration() {
    }

    public static int[] trainLabels(final Path dataDir, final int limit) {
        return IdxReader.readLabels(FashionMnistFile.TRAIN_LABELS.require(dataDir), limit,
                LabelledImages.FASHION_MNIST_CLASSES);
    }

    /**
     * The client properties with {@code max.in.flight.requests.per.connection=1} unless the user set it. Registration
     * usually follows topic creation at once, and with several requests in flight an idempotent producer can lose
     * records there (KAFKA-15591, fixed in Kafka 4.5): a first request that reaches the broker before it leads the new
     * partition fails with NOT_LEADER_OR_FOLLOWER, a later one is appended, and the first one's retries are then out of
     * sequence until the delivery timeout (120 s) expires them. One request at a time keeps them in order.
     */
    static Map<String, Object> oneRequestInFlight(final Map<String, Object> clientProperties) {
        final Map<String, Object> config = new java.util.LinkedHashMap<>(clientProperties);
        config.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return config;
    }

    /** Registers every sample of {@code labels} as fast as the broker takes them; returns how many. */
    public static int register(final Map<String, Object> clientProperties, final String dataset, final int[] labels) {
        return register(clientProperties, dataset, labels, 0, labels.length, 0, "register");
    }

    /**
     * Registers samples {@code from} (inclusive) to {@code to} (exclusive), sampleId = index, at
     * most {@code ratePerSecond} a second (0 = unthrottled), behind a progress bar; stops early
     * when the thread is interrupted. Returns how many the broker acknowledged.
     */
    public static int register(final Map<String, Object> clientProperties, final String dataset, final int[] labels,
                        final int from, final int to, final double ratePerSecond, final String task) {
        final AtomicReference<Exception> failure = new AtomicReference<>();
        final java.util.concurrent.atomic.AtomicInteger acknowledged = new java.util.concurrent.atomic.AtomicInteger();
        try (KafkaProducer<Long, SampleRegistered> producer = Clients.producer(oneRequestInFlight(clientProperties),
                Topics.SAMPLES);
             Progress bar = Progress.bar(task, to - from, "samples")) {
            final long started = System.nanoTime();
            for (int i = from; i < to && failure.get() == null && !Thread.currentThread().isInterrupted(); i++) {
                if (ratePerSecond > 0) {
                    final long due = started + (long) ((i - from) * 1e9 / ratePerSecond);
                    java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                }
                final SampleRegistered sample = new SampleRegistered((long) i, dataset, labels[i],
                        dataset + ":train/" + i, System.currentTimeMillis());
                producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), (long) i, sample), (meta, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        acknowledged.incrementAndGet();
                        bar.step();
                    }
                });
            }
            final boolean interrupted = Thread.interrupted(); // stopped early: still deliver what was sent
            producer.flush();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure.get() != null) {
            throw new UsageException("registering samples failed: " + Errors.describe(failure.get()));
        }
        return acknowledged.get();
    }
}
