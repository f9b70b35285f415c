package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isgd.sampler.topology.SamplerMetrics;

/** One scrape of a sampler's {@code GET /metrics} (Prometheus text format): series name with labels → value. */
record MetricsScrape(Map<String, Double> series, long atNanos) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    static MetricsScrape of(final URI metrics) throws IOException, InterruptedException {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(20))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(metrics + " answered " + response.statusCode());
        }
        return parse(response.body(), System.nanoTime());
    }

    static MetricsScrape parse(final String text, final long atNanos) {
        final Map<String, Double> series = new LinkedHashMap<>();
        for (final String line : text.split("\n")) {
            final Matcher m = LINE.matcher(line);
            if (!line.startsWith("#") && m.find()) {
                series.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), number(m.group(3)));
            }
        }
        return new MetricsScrape(series, atNanos);
    }

    /** A sample value or bucket bound; the text format writes infinity as +Inf. */
    private static double number(final String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** The sum over every series of a metric (all label values); 0 when absent. */
    double sum(final String name) {
        return series.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** The value of a metric by one label's value, e.g. population by run. */
    Map<String, Double> byLabel(final String name, final String label) {
        final Map<String, Double> values = new LinkedHashMap<>();
        series.forEach((key, value) -> {
            if (key.startsWith(name + "{")) {
                final Matcher m = LABEL.matcher(key);
                while (m.find()) {
                    if (m.group(1).equals(label)) {
                        values.put(m.group(2), value);
                    }
                }
            }
        });
        return values;
    }

    /** Per-second rate of a counter between an earlier scrape and this one. */
    double rate(final MetricsScrape earlier, final String name) {
        return (sum(name) - earlier.sum(name)) / ((atNanos - earlier.atNanos) / 1e9);
    }

    /** The latency histogram's observations between an earlier scrape and this one: bounds and per-bucket counts. */
    static Histogram latencyBetween(final List<MetricsScrape[]> earlierAndLater) {
        final Map<Double, Long> cumulative = new java.util.TreeMap<>();
        for (final MetricsScrape[] pair : earlierAndLater) {
            final Map<String, Double> before = pair[0].byLabel(SamplerMetrics.LATENCY_NAME + "_bucket", "le");
            pair[1].byLabel(SamplerMetrics.LATENCY_NAME + "_bucket", "le").forEach((le, count) -> cumulative.merge(
                    number(le), Math.round(count - before.getOrDefault(le, 0.0)), Long::sum));
        }
        final List<Double> bounds = new ArrayList<>(cumulative.keySet());
        final double[] upper = new double[bounds.size()];
        final long[] counts = new long[bounds.size()];
        long previous = 0;
        for (int i = 0; i < upper.length; i++) {
            upper[i] = bounds.get(i);
            final long c = cumulative.get(bounds.get(i));
            counts[i] = c - previous;
            previous = c;
        }
        return new Histogram(upper, counts);
    }

    /** Latency buckets (not cumulative) and what they say. */
    record Histogram(double[] upperBounds, long[] counts) {
        long total() {
            return java.util.Arrays.stream(counts).sum();
        }

        double quantile(final double q) {
            return SamplerMetrics.quantile(upperBounds, counts, q);
        }
    }
}
