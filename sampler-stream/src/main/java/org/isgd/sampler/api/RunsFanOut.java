package org.isgd.sampler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.status.RunSnapshot;

/**
 * {@code GET /runs}: the runs of every instance. Each instance lists the runs it owns; this one
 * asks all the others ({@code ?local=true}) at once and merges. An instance that does not answer
 * is listed under "unreachable" instead of failing the whole answer.
 */
final class RunsFanOut {
    private final SamplerApp app;
    private final Ownership ownership;
    private final Forwarder forwarder;

    RunsFanOut(final SamplerApp app, final Ownership ownership, final Forwarder forwarder) {
        this.app = app;
        this.ownership = ownership;
        this.forwarder = forwarder;
    }

    ApiResponse answer(final boolean localOnly) {
        final Map<String, JsonNode> runs = new TreeMap<>();
        final ArrayNode answered = ApiResponse.MAPPER.createArrayNode();
        final ArrayNode unreachable = ApiResponse.MAPPER.createArrayNode();
        for (final RunSnapshot snapshot : ownership.ownedSnapshots()) {
            merge(runs, ApiResponse.MAPPER.valueToTree(RunView.of(snapshot, ownership.selfName())));
        }
        answered.add(ownership.selfName());
        if (!localOnly && ownership.self() != null) {
            final Map<HostInfo, CompletableFuture<HttpResponse<byte[]>>> asked = new LinkedHashMap<>();
            for (final HostInfo host : app.instances()) {
                if (!host.equals(ownership.self()) && host.port() >= 0) {
                    asked.put(host, forwarder.forwardAsync(host, "/runs?" + QueryParameters.LOCAL + "=true"));
                }
            }
            asked.forEach((host, reply) -> collect(host, reply, runs, answered, unreachable));
        }
        final ObjectNode body = ApiResponse.MAPPER.createObjectNode();
        body.putArray("runs").addAll(runs.values());
        body.set("instances", answered);
        body.set("unreachable", unreachable);
        return ApiResponse.ok(body);
    }

    private static void collect(final HostInfo host, final CompletableFuture<HttpResponse<byte[]>> reply,
                                final Map<String, JsonNode> runs, final ArrayNode answered, final ArrayNode unreachable) {
        final String name = Forwarder.endpoint(host);
        try {
            final HttpResponse<byte[]> response = reply.get(Forwarder.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            final JsonNode body = ApiResponse.MAPPER.readTree(response.body());
            if (response.statusCode() != 200) {
                unreachable.addObject().put("instance", name).put("error", "HTTP " + response.statusCode() + ": "
                        + body.path("error").asText(""));
                return;
            }
            body.path("runs").forEach(run -> merge(runs, run));
            answered.add(name);
        } catch (ExecutionException | TimeoutException | IOException e) {
            unreachable.addObject().put("instance", name).put("error", String.valueOf(e.getCause() == null ? e : e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while asking the other instances, retry");
        }
    }

    /** Two instances can both list a run while it moves between them: the newer snapshot wins. */
    private static void merge(final Map<String, JsonNode> runs, final JsonNode run) {
        runs.merge(run.path("runId").asText(), run,
                (a, b) -> a.path("takenAt").asLong() >= b.path("takenAt").asLong() ? a : b);
    }
}
