package org.isgd.infra.local;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.CandidateSelection;
import org.isgd.contract.Columns;
import org.isgd.contract.IrreducibleLossRows;
import org.isgd.contract.Topics;
import org.isgd.infra.topics.Clients;
import org.isgd.schemas.IrreducibleLosses;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.ModelSession;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingBatch;

/**
 * RHO-LOSS's irreducible losses: a model trained on a held-out split scores the training samples
 * (their cross-entropy under it), and the losses travel on {@code isgd.irreducible-losses} to the
 * trainers of {@code rho-loss} runs.
 */
public final class IrreducibleLoss {
    /** Evaluation batch size of the scoring pass. */
    private static final int SCORE_BATCH = 1000;

    private IrreducibleLoss() {
    }

    /** Images {@code [from, from + count)} of {@code images}, ids renumbered from 0. */
    public static LabelledImages slice(final LabelledImages images, final int from, final int count) {
        final int to = Math.min(images.size(), from + count);
        if (from < 0 || from >= to) {
            throw new IllegalArgumentException("no images in [" + from + ", " + (from + count) + ") of a set of "
                    + images.size());
        }
        return new LabelledImages(Arrays.copyOfRange(images.pixels(), from * images.imageSize(), to * images.imageSize()),
                Arrays.copyOfRange(images.labels(), from, to), images.rows(), images.cols(), images.numClasses());
    }

    /**
     * Trains {@code options.model()} on {@code holdout} for {@code epochs} uniform epochs (options'
     * seed, learning rate and augmentation) and returns the cross-entropy of every image of
     * {@code train} under it.
     */
    public static float[] losses(final TrainerOptions options, final LabelledImages holdout, final LabelledImages train,
                                 final int batchSize, final double epochs) {
        final long batches = Math.max(1, Math.round(epochs * Math.ceil(holdout.size() / (double) batchSize)));
        try (ModelSession session = ModelSession.open(options, holdout);
             LocalUniformSource source = new LocalUniformSource("irreducible", holdout.size(), batchSize, options.seed(),
                     batches)) {
            Optional<TrainingBatch> next;
            while ((next = source.next(Duration.ZERO)).isPresent()) {
                session.train(next.get());
            }
            return session.losses(train, SCORE_BATCH);
        }
    }

    /** Rows per record: 32,768 rows are 384 KiB, well under the broker's 1 MiB record limit. */
    public static final int CHUNK = 32_768;

    /** Publishes losses[i] as sample i's irreducible loss in {@code dataset}, in chunks; waits until written. */
    public static void publish(final String bootstrap, final Map<String, Object> extra, final String dataset,
                               final String model, final float[] losses) {
        final Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // one request at a time: the topic may have been created a moment ago (KAFKA-15591)
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<String, IrreducibleLosses> producer = Clients.producer(config, Topics.IRREDUCIBLE_LOSSES)) {
            for (int from = 0; from < losses.length; from += CHUNK) {
                final int to = Math.min(losses.length, from + CHUNK);
                final long[] ids = new long[to - from];
                final int first = from;
                Arrays.setAll(ids, i -> first + i);
                producer.send(new ProducerRecord<>(Topics.IRREDUCIBLE_LOSSES.name(), dataset,
                        IrreducibleLosses.newBuilder().setDataset(dataset).setModel(model)
                                .setCreatedAt(System.currentTimeMillis()).setCount(to - from)
                                .setSampleIds(Columns.ofLongs(ids))
                                .setLosses(Columns.ofFloats(Arrays.copyOfRange(losses, from, to))).build())).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing irreducible losses", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing irreducible losses of " + dataset + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The irreducible losses of {@code dataset}'s samples 0..size−1 as published so far (NaN where
     * none was; a later record's value replaces an earlier one), read to the end of the topic.
     */
    public static float[] read(final String bootstrap, final Map<String, Object> extra, final String dataset,
                               final int size, final Duration timeout) {
        final float[] losses = new float[size];
        Arrays.fill(losses, Float.NaN);
        final Map<String, Object> config = new HashMap<>(extra);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        final byte[] key = dataset.getBytes(StandardCharsets.UTF_8);
        for (final ConsumerRecord<byte[], byte[]> r : Clients.readAll(config, Topics.IRREDUCIBLE_LOSSES.name(), timeout)) {
            if (!Arrays.equals(key, r.key())) {
                continue;
            }
            final IrreducibleLossRows rows;
            try {
                rows = IrreducibleLossRows.decode(r.key(), r.value());
            } catch (RuntimeException e) { // the sampler's reader skips it too
                org.slf4j.LoggerFactory.getLogger(IrreducibleLoss.class).warn("skipped the record at {}-{} offset {}: "
                        + "not irreducible losses ({})", r.topic(), r.partition(), r.offset(), e.getMessage());
                continue;
            }
            final long[] ids = rows.sampleIds();
            final float[] values = rows.losses();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] >= 0 && ids[i] < size) {
                    losses[(int) ids[i]] = values[i];
                }
            }
        }
        return losses;
    }

    /**
     * The candidate rule of a rank of a run (null without candidate batches), seeded by the run's
     * seed and the rank; a rho-loss rule gets the irreducible losses of the run's dataset's samples
     * 0..trainSize−1 from {@code isgd.irreducible-losses}.
     */
    public static CandidateSelection candidates(final RunSpec spec, final int rank, final String bootstrap,
                                                final Map<String, Object> extra, final int trainSize) {
        final CandidateSelection rule = CandidateSelection.forRun(spec.getPolicy(), spec.getParams(),
                spec.getBatchSize(), spec.getSeed() * 0x9E3779B97F4A7C15L + rank);
        if (rule != null && CandidateSelection.RHO_LOSS.equals(rule.policy())) {
            final float[] losses = read(bootstrap, extra, spec.getDataset(), trainSize,
                    Duration.ofSeconds(60));
            final long known = java.util.stream.IntStream.range(0, losses.length).filter(i -> !Float.isNaN(losses[i]))
                    .count();
            if (known == 0) {
                throw new IllegalStateException("run " + spec.getRunId() + " is rho-loss but no irreducible losses of "
                        + "dataset " + spec.getDataset() + " are on isgd.irreducible-losses: publish them first "
                        + "('infra/isgd irreducible --dataset " + spec.getDataset() + "')");
            }
            rule.withIrreducible(losses);
        }
        return rule;
    }
}
