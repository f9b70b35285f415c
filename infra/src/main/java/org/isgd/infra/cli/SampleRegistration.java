package org.isgd.infra.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.Topics;
import org.isgd.schemas.SampleRegistered;
import org.isgd.trainer.data.FashionMnistFile;
import org.isgd.trainer.data.IdxReader;
import org.isgd.trainer.data.LabelledImages;

/** Publishes a SampleRegistered for each training sample: sampleId = index in the training file. */
final class SampleRegistration {
    static final String FASHION_MNIST = "fashion-mnist";

    private SampleRegistration() {
    }

    static int[] trainLabels(final Path dataDir, final int limit) {
        return IdxReader.readLabels(FashionMnistFile.TRAIN_LABELS.require(dataDir), limit,
                LabelledImages.FASHION_MNIST_CLASSES);
    }

    /** Registers {@code labels} and returns how many were acknowledged by the broker. */
    static int register(final Map<String, Object> clientProperties, final String dataset, final int[] labels) {
        final AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<Long, SampleRegistered> producer = Clients.producer(clientProperties, Topics.SAMPLES);
             ProgressBar bar = Progress.bar("register", labels.length, "samples")) {
            final long now = System.currentTimeMillis();
            for (int i = 0; i < labels.length && failure.get() == null; i++) {
                final SampleRegistered sample = new SampleRegistered((long) i, dataset, labels[i],
                        dataset + ":train/" + i, now);
                producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), (long) i, sample), (meta, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        bar.step();
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new UsageException("registering samples failed: " + Isgd.describe(failure.get()));
        }
        return labels.length;
    }
}
