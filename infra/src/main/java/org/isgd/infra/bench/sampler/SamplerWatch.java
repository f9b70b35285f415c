package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Scrapes every sampler instance's {@code /metrics} once a second in the background, so that the
 * prediction load can pace itself on what was applied and progress bars can show live rates. Not
 * more often: a scrape costs the sampler CPU (4× a second took ~5% of it under load, JFR).
 */
final class SamplerWatch implements AutoCloseable {
    private static final long PERIOD_MS = 1000;
    private final List<URI> endpoints;
    private final Thread thread;
    private volatile List<MetricsScrape> latest;
    private volatile List<MetricsScrape> previous;
    private volatile IOException failure;
    private volatile boolean closed;

    SamplerWatch(final List<URI> endpoints) throws IOException, InterruptedException {
        this.endpoints = endpoints;
        this.latest = scrapeAll();
        this.previous = latest;
        this.thread = new Thread(this::loop, "bench-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** One scrape of every instance, now, in instance order. */
    List<MetricsScrape> scrapeAll() throws IOException, InterruptedException {
        final List<MetricsScrape> scrapes = new ArrayList<>();
        for (final URI endpoint : endpoints) {
            scrapes.add(MetricsScrape.of(endpoint));
        }
        return scrapes;
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
                final List<MetricsScrape> now = scrapeAll();
                previous = latest;
                latest = now;
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    List<MetricsScrape> latest() throws IOException {
        if (failure != null) {
            throw new IOException("scraping a sampler's /metrics failed: " + failure.getMessage(), failure);
        }
        return latest;
    }

    /** A metric summed over the instances, from the latest scrape. */
    double total(final String metric) {
        return latest.stream().mapToDouble(s -> s.sum(metric)).sum();
    }

    /** A counter's rate over the last scrape period, summed over the instances. */
    double recentRate(final String metric) {
        final List<MetricsScrape> now = latest;
        final List<MetricsScrape> before = previous;
        double rate = 0;
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i).atNanos() > before.get(i).atNanos()) {
                rate += now.get(i).rate(before.get(i), metric);
            }
        }
        return rate;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
