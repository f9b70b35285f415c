package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerMetricsTest {

    @Test
    void latencyQuantilesFollowWhatWasRecorded() {
        final SamplerMetrics metrics = new SamplerMetrics();
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            metrics.predictionApplied(random.nextInt(1, 201)); // uniform on 1..200 ms
        }
        assertEquals(100_000, metrics.predictionsApplied());
        assertEquals(100_000, metrics.predictionLatency().getCount());
        // within a bucket the interpolation is linear, and the buckets here are 25 ms wide at most
        assertEquals(100, metrics.latencyQuantile(0.5), 5);
        assertEquals(198, metrics.latencyQuantile(0.99), 5);
    }

    @Test
    void aSlowTailShowsInTheP99NotTheMedian() {
        final SamplerMetrics metrics = new SamplerMetrics();
        for (int i = 0; i < 980; i++) {
            metrics.predictionApplied(4);
        }
        for (int i = 0; i < 20; i++) {
            metrics.predictionApplied(2_000);
        }
        assertTrue(metrics.latencyQuantile(0.5) <= 5, "median in the (3, 5] bucket");
        assertTrue(metrics.latencyQuantile(0.99) > 1_500 && metrics.latencyQuantile(0.99) <= 2_000,
                "p99 in the (1500, 2000] bucket");
    }

    @Test
    void aClockAheadOfOursCountsAsZeroNotNegative() {
        final SamplerMetrics metrics = new SamplerMetrics();
        metrics.predictionApplied(-40);
        assertEquals(1, metrics.latencyBuckets().getCount(0));
        assertEquals(0, metrics.predictionLatency().getSum());
    }

    @Test
    void quantileOfNothingIsNaNAndOfTheOverflowBucketTheLastBound() {
        assertTrue(Double.isNaN(new SamplerMetrics().latencyQuantile(0.5)));
        assertTrue(Double.isNaN(SamplerMetrics.quantile(new double[] {1, Double.POSITIVE_INFINITY}, new long[] {0, 0}, 0.5)));
        assertEquals(1, SamplerMetrics.quantile(new double[] {1, Double.POSITIVE_INFINITY}, new long[] {0, 3}, 0.99));
        assertEquals(15, SamplerMetrics.quantile(new double[] {10, 20}, new long[] {0, 4}, 0.5));
    }

    @Test
    void theHistogramIsExposedInThePrometheusTextFormat() throws Exception {
        final SamplerMetrics metrics = new SamplerMetrics();
        metrics.predictionApplied(12);
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics.predictionLatency());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains(SamplerMetrics.LATENCY_NAME + "_bucket{le=\"15.0\"} 1"), text);
        assertTrue(text.contains(SamplerMetrics.LATENCY_NAME + "_bucket{le=\"10.0\"} 0"), text);
        assertTrue(text.contains(SamplerMetrics.LATENCY_NAME + "_count 1"), text);
    }
}
