package org.isgd.sampler.api;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.topology.SamplerMetrics;

/**
 * {@code GET /metrics} in the Prometheus text format. Every value is read at scrape time from
 * where it already lives — {@link SamplerMetrics}, the runs' published snapshots, the Kafka
 * Streams client — so nothing is counted twice. Run series cover the runs this instance owns:
 * scrape every instance.
 */
final class MetricsExporter {
    static final String LATENCY_QUANTILE = "isgd_prediction_latency_quantile_ms";
    private static final double[] LATENCY_QUANTILES = {0.5, 0.99};
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Ownership ownership;

    MetricsExporter(final SamplerApp app, final Ownership ownership) {
        this.ownership = ownership;
        counters(app.metrics());
        latency(app.metrics());
        runGauges();
        CounterWithCallback.builder().name("isgd_dead_letters_total").help("Records sent to isgd.dead-letters, by reason")
                .labelNames("reason").callback(cb -> app.metrics().deadLetters().forEach((reason, n) -> cb.call(n, reason)))
                .register(registry);
        GaugeWithCallback.builder().name("isgd_consumer_lag_records")
                .help("Max records-lag (consumer-fetch-manager-metrics) over the assigned partitions of this instance's "
                        + "stream-thread and global consumers")
                .callback(cb -> cb.call(ConsumerLag.maxRecords(app.streamsMetrics()))).register(registry);
        GaugeWithCallback.builder().name("isgd_streams_state").help("Kafka Streams state of this instance: 1 for the current one")
                .labelNames("state").callback(cb -> {
                    final KafkaStreams.State now = app.state();
                    for (final KafkaStreams.State state : KafkaStreams.State.values()) {
                        cb.call(state == now ? 1 : 0, state.name());
                    }
                }).register(registry);
    }

    ApiResponse scrape() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics", e);
        }
        return ApiResponse.text(PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
    }

    private void counters(final SamplerMetrics metrics) {
        counter("isgd_batches_emitted_total", "Index batches emitted to isgd.batches", metrics::batchesEmitted);
        counter("isgd_indices_emitted_total", "Sample indices emitted in batches", metrics::indicesEmitted);
        counter("isgd_predictions_applied_total", "Predictions applied to the importance store", metrics::predictionsApplied);
        counter("isgd_reference_losses_read_total", "Irreducible losses read from isgd.irreducible-losses for the "
                + "noise guards", metrics::referenceLossesRead);
        counter("isgd_reference_records_refused_total", "Records of isgd.irreducible-losses that could not be used "
                + "(logged with their position)", metrics::referenceRecordsRefused);
        counter("isgd_duplicates_ignored_total", "Redelivered or out-of-date records ignored", metrics::duplicatesIgnored);
        counter("isgd_misrouted_batches_total", "Prediction batches and acknowledgements that arrived on another "
                + "partition than their run's (a producer not partitioning like Java's default) and were passed on",
                metrics::misroutedBatches);
    }

    /**
     * The prediction-to-sampling latency: the histogram (_bucket, _count, _sum; windowed quantiles
     * with PromQL's histogram_quantile over rate(..._bucket)), and its p50 and p99 since start.
     */
    private void latency(final SamplerMetrics metrics) {
        registry.register(metrics.predictionLatency());
        GaugeWithCallback.builder().name(LATENCY_QUANTILE).help("Prediction-to-sampling latency quantiles (ms) since "
                        + "this instance started, interpolated in the buckets of " + SamplerMetrics.LATENCY_NAME)
                .labelNames("quantile").callback(cb -> {
                    for (final double q : LATENCY_QUANTILES) {
                        final double value = metrics.latencyQuantile(q);
                        if (Double.isFinite(value)) {
                            cb.call(value, Double.toString(q));
                        }
                    }
                }).register(registry);
    }

    private void counter(final String name, final String help, final java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private void runGauges() {
        GaugeWithCallback.builder().name("isgd_run_lead").help("Batches emitted but not yet acknowledged, per run and rank")
                .labelNames("run", "rank").callback(cb -> eachRun(run -> {
                    for (int rank = 0; rank < run.lead().length; rank++) {
                        cb.call(run.lead()[rank], run.runId(), Integer.toString(rank));
                    }
                })).register(registry);
        runGauge("isgd_run_tau", "Variance-reduction estimate tau of the upper-bound policy (only runs that report it)",
                run -> run.policyStats().getOrDefault(RunView.TAU, Double.NaN));
        runGauge("isgd_run_effective_sample_size", "(sum w)^2 / sum w^2 / n of the last batch's weights (1 = all equal)",
                RunSnapshot::effectiveSampleSize);
        runGauge("isgd_run_population", "Registered samples in the run's population", run -> run.population());
        runGauge("isgd_run_staleness_ms", "Milliseconds since the run's last prediction was applied (absent: none yet)",
                run -> run.staleness() < 0 ? Double.NaN : run.staleness());
    }

    /** A gauge per run; a run whose value is not known yet (NaN) has no series. */
    private void runGauge(final String name, final String help, final java.util.function.ToDoubleFunction<RunSnapshot> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("run").callback(cb -> eachRun(run -> {
            final double v = value.applyAsDouble(run);
            if (Double.isFinite(v)) {
                cb.call(v, run.runId());
            }
        })).register(registry);
    }

    private void eachRun(final Consumer<RunSnapshot> action) {
        ownership.ownedSnapshots().forEach(action);
    }
}
