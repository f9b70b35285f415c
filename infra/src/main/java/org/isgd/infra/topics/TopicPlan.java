package org.isgd.infra.topics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

import org.isgd.contract.Topics;

/**
 * How many partitions each contract topic gets, its replication factor and retention.
 *
 * <p>{@code isgd.samples} and {@code isgd.predictions} are co-partitioned (both keyed by
 * sampleId, joined per stream task), so their counts must be equal: the constructor rejects
 * a plan where they differ.
 *
 * @param samplePartitions       partitions of {@code isgd.samples} [6]
 * @param predictionPartitions   partitions of {@code isgd.predictions} [6]; must equal samplePartitions
 * @param runPartitions          partitions of {@code isgd.runs} (compacted) [1]
 * @param progressPartitions     partitions of {@code isgd.progress} and of {@code isgd.prediction-batches} [6]
 *                               (both keyed by runId; the sampler's run tasks are as many)
 * @param batchPartitions        partitions of {@code isgd.batches} [6]
 * @param deadLetterPartitions   partitions of {@code isgd.dead-letters} [1]; {@code isgd.irreducible-losses} always has 1
 * @param replicationFactor      replication factor; empty = min(3, brokers in the cluster)
 * @param deadLetterRetention    retention of {@code isgd.dead-letters} [30 days]; null or negative = forever
 */
public record TopicPlan(int samplePartitions, int predictionPartitions, int runPartitions,
                        int progressPartitions, int batchPartitions, int deadLetterPartitions,
                        OptionalInt replicationFactor, Duration deadLetterRetention) {

    public static final Duration DEFAULT_DEAD_LETTER_RETENTION = Duration.ofDays(30);

    public TopicPlan {
        positive("samples", samplePartitions);
        positive("predictions", predictionPartitions);
        positive("runs", runPartitions);
        positive("progress", progressPartitions);
        positive("batches", batchPartitions);
        positive("dead-letters", deadLetterPartitions);
        if (samplePartitions != predictionPartitions) {
            throw new IllegalArgumentException("isgd.samples and isgd.predictions are co-partitioned: they need the same"
                    + " partition count, got " + samplePartitions + " and " + predictionPartitions + ".");
        }
        if (replicationFactor == null) {
            replicationFactor = OptionalInt.empty();
        }
        if (replicationFactor.isPresent() && (replicationFactor.getAsInt() < 1 || replicationFactor.getAsInt() > Short.MAX_VALUE)) {
            throw new IllegalArgumentException("Replication factor must be at least 1, got " + replicationFactor.getAsInt() + ".");
        }
    }

    /** samples/predictions/progress/batches 6, runs 1, dead-letters 1, RF min(3, brokers). */
    public static TopicPlan defaults() {
        return new TopicPlan(6, 6, 1, 6, 6, 1, OptionalInt.empty(), DEFAULT_DEAD_LETTER_RETENTION);
    }

    /** Sets the partitions of the sampleId-keyed topics (samples and predictions) together. */
    public TopicPlan withSamplePartitions(int n) {
        return new TopicPlan(n, n, runPartitions, progressPartitions, batchPartitions, deadLetterPartitions,
                replicationFactor, deadLetterRetention);
    }

    /** Sets the partitions of the runId-keyed streaming topics (progress and batches). */
    public TopicPlan withRunStreamPartitions(int n) {
        return new TopicPlan(samplePartitions, predictionPartitions, runPartitions, n, n, deadLetterPartitions,
                replicationFactor, deadLetterRetention);
    }

    public TopicPlan withReplicationFactor(int rf) {
        return new TopicPlan(samplePartitions, predictionPartitions, runPartitions, progressPartitions, batchPartitions,
                deadLetterPartitions, OptionalInt.of(rf), deadLetterRetention);
    }

    public TopicPlan withDeadLetterRetention(Duration retention) {
        return new TopicPlan(samplePartitions, predictionPartitions, runPartitions, progressPartitions, batchPartitions,
                deadLetterPartitions, replicationFactor, retention);
    }

    /** Planned partition count per topic name, in {@link Topics#ALL} order. */
    public Map<String, Integer> partitions() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(Topics.SAMPLES.name(), samplePartitions);
        m.put(Topics.RUNS.name(), runPartitions);
        m.put(Topics.PREDICTION_BATCHES.name(), progressPartitions);
        m.put(Topics.PREDICTIONS.name(), predictionPartitions);
        m.put(Topics.PROGRESS.name(), progressPartitions);
        m.put(Topics.BATCHES.name(), batchPartitions);
        m.put(Topics.DEAD_LETTERS.name(), deadLetterPartitions);
        m.put(Topics.IRREDUCIBLE_LOSSES.name(), 1); // read whole by each trainer of a rho-loss run
        return m;
    }

    private static void positive(String topic, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Topic isgd." + topic + " needs at least 1 partition, got " + n + ".");
        }
    }
}
