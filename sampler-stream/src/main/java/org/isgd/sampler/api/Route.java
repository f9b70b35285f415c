package org.isgd.sampler.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An API path taken apart: which endpoint, and the run and sample it names.
 *
 * @param runId null for the endpoints that name no run
 * @param sampleId -1 for the endpoints that name no sample
 */
record Route(Kind kind, String runId, long sampleId) {
    static final String USAGE = "endpoints: /health, /metrics, /runs, /runs/{runId}, /runs/{runId}/samples/{sampleId}"
            + "[?asOf=TIME], /runs/{runId}/samples/{sampleId}/history, /runs/{runId}/hardest?k=10, /runs/{runId}/suspects";

    enum Kind { HEALTH, METRICS, RUNS, RUN, SAMPLE, HISTORY, HARDEST, SUSPECTS }

    /** Whether the answer comes from the instance that owns the run. */
    boolean ownedByRun() {
        return runId != null;
    }

    /** Parses a raw (still percent-encoded) request path; unknown paths are a 404 listing the endpoints. */
    static Route parse(final String rawPath) {
        final List<String> parts = segments(rawPath);
        final int n = parts.size();
        if (n == 1 && parts.get(0).equals("health")) {
            return new Route(Kind.HEALTH, null, -1);
        }
        if (n == 1 && parts.get(0).equals("metrics")) {
            return new Route(Kind.METRICS, null, -1);
        }
        if (n == 0 || !parts.get(0).equals("runs")) {
            throw unknown(rawPath);
        }
        if (n == 1) {
            return new Route(Kind.RUNS, null, -1);
        }
        final String runId = parts.get(1);
        if (n == 2) {
            return new Route(Kind.RUN, runId, -1);
        }
        if (n == 3 && parts.get(2).equals("hardest")) {
            return new Route(Kind.HARDEST, runId, -1);
        }
        if (n == 3 && parts.get(2).equals("suspects")) {
            return new Route(Kind.SUSPECTS, runId, -1);
        }
        if (n == 4 && parts.get(2).equals("samples")) {
            return new Route(Kind.SAMPLE, runId, sampleId(parts.get(3)));
        }
        if (n == 5 && parts.get(2).equals("samples") && parts.get(4).equals("history")) {
            return new Route(Kind.HISTORY, runId, sampleId(parts.get(3)));
        }
        throw unknown(rawPath);
    }

    private static List<String> segments(final String rawPath) {
        final List<String> parts = new ArrayList<>();
        for (final String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                // a literal '+' in a path is a plus, not a space
                parts.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return parts;
    }

    private static long sampleId(final String text) {
        try {
            final long id = Long.parseLong(text);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("sample id must be a non-negative integer, was '" + text + "'");
    }

    private static ApiException unknown(final String rawPath) {
        return ApiException.notFound("no endpoint " + rawPath + "; " + USAGE);
    }
}
