package org.isgd.infra.bench.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class MetricsScrapeTest {
    private static final String BEFORE = """
            # HELP isgd_predictions_applied_total Predictions applied
            # TYPE isgd_predictions_applied_total counter
            isgd_predictions_applied_total 1000
            isgd_run_population{run="a"} 60000
            isgd_run_population{run="b"} 59000
            isgd_prediction_latency_ms_bucket{le="10.0"} 900
            isgd_prediction_latency_ms_bucket{le="100.0"} 1000
            isgd_prediction_latency_ms_bucket{le="+Inf"} 1000
            """;
    private static final String AFTER = """
            isgd_predictions_applied_total 21000
            isgd_prediction_latency_ms_bucket{le="10.0"} 900
            isgd_prediction_latency_ms_bucket{le="100.0"} 20000
            isgd_prediction_latency_ms_bucket{le="+Inf"} 21000
            """;

    @Test
    void ratesAndLabelsComeOutOfTheTextFormat() {
        final MetricsScrape before = MetricsScrape.parse(BEFORE, 0);
        final MetricsScrape after = MetricsScrape.parse(AFTER, 2_000_000_000L);
        assertEquals(10_000, after.rate(before, "isgd_predictions_applied_total"), 1e-9);
        assertEquals(Map.of("a", 60000.0, "b", 59000.0), before.byLabel("isgd_run_population", "run"));
        assertEquals(119_000, before.sum("isgd_run_population"), 1e-9);
    }

    @Test
    void latencyIsTheHistogramsGrowthInTheWindowOnly() {
        final MetricsScrape.Histogram h = MetricsScrape.latencyBetween(List.<MetricsScrape[]>of(new MetricsScrape[] {
            MetricsScrape.parse(BEFORE, 0), MetricsScrape.parse(AFTER, 1)}));
        // the 900 fast ones came before the window: in it, 19,000 in (10, 100] and 1,000 beyond
        assertEquals(20_000, h.total());
        assertEquals(10 + 90 * 10_000 / 19_000.0, h.quantile(0.5), 1e-9);
        assertEquals(100, h.quantile(0.99), 1e-9);
    }

    @Test
    void benchmarkRunsLandOnDifferentPartitionsOfThePredictionBatchTopic() {
        final List<String> names = SamplerBench.spread("bench-run-", 4, 6);
        final Set<Integer> partitions = new HashSet<>();
        names.forEach(n -> partitions.add(Utils.toPositive(Utils.murmur2(n.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 6));
        assertEquals(4, partitions.size());
    }
}
