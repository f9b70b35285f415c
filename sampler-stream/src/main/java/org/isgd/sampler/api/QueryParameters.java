package org.isgd.sampler.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/** The query string of a request, with the typed parameters the endpoints take. */
final class QueryParameters {
    static final int DEFAULT_K = 10;
    static final int MAX_K = 10_000;
    /** Set on a fan-out request: answer from this instance alone. */
    static final String LOCAL = "local";

    private final Map<String, String> values = new HashMap<>();

    QueryParameters(final String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        for (final String pair : rawQuery.split("&")) {
            final int eq = pair.indexOf('=');
            final String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            values.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
    }

    boolean local() {
        final String value = values.get(LOCAL);
        return value != null && (value.isEmpty() || value.equalsIgnoreCase("true"));
    }

    /** {@code k}: how many hardest samples, default {@value #DEFAULT_K}. */
    int k() {
        final String value = values.get("k");
        if (value == null) {
            return DEFAULT_K;
        }
        try {
            final int k = Integer.parseInt(value);
            if (k >= 1 && k <= MAX_K) {
                return k;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("k must be an integer in [1, " + MAX_K + "], was '" + value + "'");
    }

    /** {@code asOf} in epoch milliseconds, if given. */
    Long asOf() {
        final String value = values.get("asOf");
        return value == null ? null : parseTime(value);
    }

    /** Epoch milliseconds, or an ISO-8601 instant such as 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00. */
    static long parseTime(final String text) {
        final String value = text.strip();
        if (value.matches("-?\\d+")) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw badTime(text);
            }
        }
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value).toInstant().toEpochMilli();
            } catch (DateTimeParseException again) {
                throw badTime(text);
            }
        }
    }

    private static ApiException badTime(final String text) {
        return ApiException.badRequest("asOf must be epoch milliseconds or an ISO-8601 time such as "
                + "2024-05-01T12:00:00Z, was '" + text + "'");
    }

    private static String decode(final String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
