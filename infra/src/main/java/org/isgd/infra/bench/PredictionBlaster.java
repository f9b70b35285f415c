package org.isgd.infra.bench;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.Topics;
import org.isgd.infra.cli.Clients;
import org.isgd.schemas.SamplePrediction;

/**
 * Publishes predictions for random registered samples of the benchmark's runs as fast as the
 * producer goes, but never more than {@code maxAhead} beyond what the samplers applied: the
 * samplers stay saturated while the backlog (and the broker's disk) stays bounded, and the next
 * phase does not start on a queue left over from this one.
 */
final class PredictionBlaster implements AutoCloseable {
    private final KafkaProducer<Long, SamplePrediction> producer;
    private final List<String> runs;
    private final int population;
    private final LongSupplier applied;
    private final long maxAhead;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;
    /** Grows with every prediction: all go in batchSeq 0, and the sampler ignores a position it has seen. */
    private int position;

    PredictionBlaster(final Map<String, Object> client, final List<String> runs, final int population,
                      final LongSupplier applied, final long maxAhead) {
        final Map<String, Object> config = new java.util.LinkedHashMap<>(client);
        config.put("linger.ms", 20);
        config.put("batch.size", 256 * 1024);
        this.producer = Clients.producer(config, Topics.PREDICTIONS);
        this.runs = runs;
        this.population = population;
        this.applied = applied;
        this.maxAhead = maxAhead;
        this.thread = new Thread(this::blast, "bench-predictions");
        thread.setDaemon(true);
        thread.start();
    }

    private void blast() {
        final SplittableRandom random = new SplittableRandom(1);
        try {
            while (!stop && failure.get() == null) {
                if (sent.get() - applied.getAsLong() > maxAhead) {
                    Thread.sleep(5);
                    continue;
                }
                for (int i = 0; i < 1000; i++) {
                    final String run = runs.get(i % runs.size());
                    final long sampleId = random.nextInt(population);
                    producer.send(new ProducerRecord<>(Topics.PREDICTIONS.name(), sampleId,
                            SyntheticData.prediction(run, sampleId, 0, position++, random)), (meta, error) -> {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                }
                            });
                }
                sent.addAndGet(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    long sent() {
        return sent.get();
    }

    /** Fails with the producer's error, if it had one. */
    void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("publishing predictions failed: " + failure.get().getMessage(), failure.get());
        }
    }

    /** Stops sending and flushes what was sent; returns how many predictions that is. */
    long stop() throws InterruptedException {
        stop = true;
        thread.join();
        producer.flush();
        check();
        return sent.get();
    }

    @Override
    public void close() {
        stop = true;
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
