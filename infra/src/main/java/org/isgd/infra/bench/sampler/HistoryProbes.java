package org.isgd.infra.bench.sampler;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.isgd.infra.query.QueryClient;

/**
 * A few samples of one benchmark run that the trainer stand-in puts into its prediction batches
 * {@link #VISITS} times each (as the first row of consecutive batches), so that the query API's
 * history and {@code asOf} answers are timed on samples with a known number of visits at the
 * cell's population. The samples' own draws add a few visits more; the result counts them all.
 */
final class HistoryProbes {
    static final int VISITS = 100;
    private static final int PROBES = 5;
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String runId;
    private final long[] ids;
    private volatile int stamped; // written by the bench-trainer thread only

    /** Probes on samples 1 … 5 of {@code runId}'s dataset, which holds at least that many. */
    HistoryProbes(final String runId) {
        this.runId = runId;
        this.ids = new long[PROBES];
        Arrays.setAll(ids, i -> i + 1);
    }

    /** The probe sample to put into the next prediction batch of {@code run}, or -1 (every probe has its visits). */
    long next(final String run) {
        if (!runId.equals(run) || stamped >= PROBES * VISITS) {
            return -1;
        }
        return ids[stamped++ / VISITS];
    }

    boolean done() {
        return stamped >= PROBES * VISITS;
    }

    /**
     * Waits until {@code api} shows every probe with its visits (the last predictions may still be
     * on their way when the updates phase stops), then asks for each probe's history and for its
     * state as of its middle visit, each timed from request to parsed answer.
     */
    SamplerBenchResult.HistoryQueries measure(final URI api) throws InterruptedException {
        final String base = api.resolve("/").toString(); // the instance's address (the URI may name /metrics)
        final long deadline = System.nanoTime() + AWAIT.toNanos();
        for (final long id : ids) {
            while (history(base, id).size() < VISITS) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("sample " + id + " of run " + runId + " did not show its "
                            + VISITS + " visits in the history within " + AWAIT.toSeconds() + " s");
                }
                Thread.sleep(100);
            }
        }
        final List<SamplerBenchResult.Probe> probes = new ArrayList<>();
        for (final long id : ids) {
            long start = System.nanoTime();
            final JsonNode history = history(base, id);
            final double historyMs = (System.nanoTime() - start) / 1e6;
            final long middle = history.get(history.size() / 2).path("timestamp").asLong();
            start = System.nanoTime();
            final JsonNode asOf = get(base, sample(id) + "?asOf=" + middle);
            final double asOfMs = (System.nanoTime() - start) / 1e6;
            if (asOf.path("state").path("updatedAt").asLong() > middle) {
                throw new IllegalStateException("the sampler answered " + sample(id) + "?asOf=" + middle
                        + " with a state from after that time: " + asOf);
            }
            probes.add(new SamplerBenchResult.Probe(id, history.size(), historyMs, asOfMs));
        }
        return SamplerBenchResult.HistoryQueries.of(runId, probes);
    }

    private String sample(final long id) {
        return "/runs/" + runId + "/samples/" + id;
    }

    private JsonNode history(final String base, final long id) {
        return get(base, sample(id) + "/history").path("history");
    }

    private static JsonNode get(final String base, final String path) {
        final QueryClient.Answer answer = QueryClient.get(HTTP, base, path);
        if (answer.status() != 200) {
            throw new IllegalStateException("GET " + base + path + " answered " + answer.status() + ": " + answer.body());
        }
        return answer.body();
    }
}
