package org.isgd.sampler.topology;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters the sampler keeps: what it emitted, applied, ignored and refused (by reason), and how
 * long predictions took from the trainer to the importance store.
 */
public final class SamplerMetrics implements org.isgd.sampler.run.RunListener,
        org.isgd.sampler.reference.ReferenceLossReader.Listener {
    /** Prometheus name of the prediction-to-sampling latency histogram. */
    public static final String LATENCY_NAME = "isgd_prediction_latency_ms";
    /**
     * Upper bounds (ms) of the latency buckets: fine around the 250 ms p99 target, coarse in
     * the tail that only a backlog reaches.
     */
    static final double[] LATENCY_BOUNDS_MS = {1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 75, 100, 125, 150, 175, 200, 225,
        250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000, 60_000, 300_000};
    private final LongAdder batchesEmitted = new LongAdder();
    private final LongAdder indicesEmitted = new LongAdder();
    private final LongAdder predictionsApplied = new LongAdder();
    private final LongAdder duplicatesIgnored = new LongAdder();
    private final LongAdder misrouted = new LongAdder();
    private final LongAdder referenceLossesRead = new LongAdder();
    private final LongAdder referenceRecordsRefused = new LongAdder();
    private final Map<String, LongAdder> deadLetters = new ConcurrentHashMap<>();
    // a library histogram: lock-free on the hot path, cumulative buckets that a reader can difference
    private final Histogram predictionLatency = Histogram.builder().name(LATENCY_NAME)
            .help("Milliseconds from a prediction's timestamp (set by the trainer) to its application here")
            .classicOnly().classicUpperBounds(LATENCY_BOUNDS_MS).withoutExemplars().build();

    @Override
    public void predictionsApplied(final int rows, final long latencyMs) {
        predictionsApplied.add(rows);
        final double latency = Math.max(0, latencyMs); // a trainer clock ahead of ours is not negative latency
        for (int i = 0; i < rows; i++) {
            predictionLatency.observe(latency);
        }
    }

    /** A prediction batch arrived on a partition other than its run's, and was passed on to it. */
    void misrouted() {
        misrouted.increment();
    }

    /** Prediction batches that arrived on another partition than their run's (producers not partitioning like Java). */
    public long misroutedBatches() {
        return misrouted.sum();
    }

    @Override
    public void batchEmitted(final int indices) {
        batchesEmitted.increment();
        indicesEmitted.add(indices);
    }

    /** @param latencyMs from the prediction's timestamp (set by the trainer) to its application here */
    void predictionApplied(final long latencyMs) {
        predictionsApplied.increment();
        predictionLatency.observe(Math.max(0, latencyMs)); // a trainer clock ahead of ours is not negative latency
    }

    @Override
    public void duplicateIgnored() {
        duplicatesIgnored.increment();
    }

    @Override
    public void deadLetter(final String reason) {
        deadLetters.computeIfAbsent(DeadLetters.kind(reason), k -> new LongAdder()).increment();
    }

    @Override
    public void referenceLossesRead(final int rows) {
        referenceLossesRead.add(rows);
    }

    @Override
    public void referenceRecordRefused() {
        referenceRecordsRefused.increment();
    }

    /** Irreducible losses read from isgd.irreducible-losses (a sample published twice counts twice). */
    public long referenceLossesRead() {
        return referenceLossesRead.sum();
    }

    /** Records of isgd.irreducible-losses the reader could not use (logged with their position). */
    public long referenceRecordsRefused() {
        return referenceRecordsRefused.sum();
    }

    public long batchesEmitted() {
        return batchesEmitted.sum();
    }

    public long indicesEmitted() {
        return indicesEmitted.sum();
    }

    public long predictionsApplied() {
        return predictionsApplied.sum();
    }

    public long duplicatesIgnored() {
        return duplicatesIgnored.sum();
    }

    /** The latency histogram, for the exporter to register. */
    public Histogram predictionLatency() {
        return predictionLatency;
    }

    /** Latency buckets so far: upper bounds (ms, the last +Inf) and the count in each (not cumulative). */
    public ClassicHistogramBuckets latencyBuckets() {
        return predictionLatency.collect().getDataPoints().get(0).getClassicBuckets();
    }

    /** The {@code q}-quantile (ms) of every latency recorded so far, from the buckets; NaN before the first. */
    public double latencyQuantile(final double q) {
        final ClassicHistogramBuckets buckets = latencyBuckets();
        final double[] bounds = new double[buckets.size()];
        final long[] counts = new long[buckets.size()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = buckets.getUpperBound(i);
            counts[i] = buckets.getCount(i);
        }
        return quantile(bounds, counts, q);
    }

    /**
     * The {@code q}-quantile of a bucketed distribution, interpolated linearly inside its bucket
     * the way PromQL's {@code histogram_quantile} does (from 0 in the first bucket; the last
     * finite bound when it falls in +Inf); NaN when there are no observations.
     *
     * @param upperBounds ascending, the last may be +Inf
     * @param counts observations per bucket (not cumulative), as long as upperBounds
     */
    public static double quantile(final double[] upperBounds, final long[] counts, final double q) {
        long total = 0;
        for (final long c : counts) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        final double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            if (below + counts[i] >= rank && counts[i] > 0) {
                final double lower = i == 0 ? 0 : upperBounds[i - 1];
                if (Double.isInfinite(upperBounds[i])) {
                    return lower;
                }
                return lower + (upperBounds[i] - lower) * (rank - below) / counts[i];
            }
            below += counts[i];
        }
        return upperBounds[upperBounds.length - 1];
    }

    /** Dead letters so far by reason kind. */
    public Map<String, Long> deadLetters() {
        final Map<String, Long> snapshot = new TreeMap<>();
        deadLetters.forEach((kind, count) -> snapshot.put(kind, count.sum()));
        return snapshot;
    }
}
