package org.isgd.sampler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.isgd.schemas.RunSpec;
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
        for (final RunSnapshot snapshot : ownership.ownedSnapshots()) {
            merge(runs, ApiResponse.MAPPER.valueToTree(RunView.of(snapshot, ownership.selfName())));
        }
        final ObjectNode body = ApiResponse.MAPPER.createObjectNode();
        final ArrayNode list = body.putArray("runs");
        askOthers(localOnly, "/runs", reply -> reply.path("runs").forEach(run -> merge(runs, run)), body);
        list.addAll(runs.values());
        return ApiResponse.ok(body);
    }

    /**
     * {@code GET /runs/{id}/hardest} of a sharded run: every instance's hardest of the shards it
     * holds, merged into the run's k hardest (highest latest loss first).
     */
    ApiResponse hardest(final RunSpec spec, final int k, final boolean localOnly, final JsonNode local) {
        final List<JsonNode> samples = new ArrayList<>();
        local.path("samples").forEach(samples::add);
        final ObjectNode body = ((ObjectNode) local).deepCopy();
        askOthers(localOnly, "/runs/" + spec.getRunId() + "/hardest?k=" + k,
                reply -> reply.path("samples").forEach(samples::add), body);
        samples.sort(Comparator.comparingDouble((JsonNode s) -> s.path("state").path("loss").asDouble()).reversed());
        body.putArray("samples").addAll(samples.subList(0, Math.min(k, samples.size())));
        return ApiResponse.ok(body);
    }

    /** Asks every other instance the same question ({@code local=true}); notes who answered in {@code body}. */
    private void askOthers(final boolean localOnly, final String pathAndQuery, final Consumer<JsonNode> onReply,
                           final ObjectNode body) {
        final ArrayNode answered = body.putArray("instances");
        final ArrayNode unreachable = body.putArray("unreachable");
        answered.add(ownership.selfName());
        if (localOnly || ownership.self() == null) {
            return;
        }
        final String local = QueryParameters.LOCAL + "=true";
        final Map<HostInfo, CompletableFuture<HttpResponse<byte[]>>> asked = new LinkedHashMap<>();
        for (final HostInfo host : app.instances()) {
            if (!host.equals(ownership.self()) && host.port() >= 0) {
                asked.put(host, forwarder.forwardAsync(host, pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?")
                        + local));
            }
        }
        asked.forEach((host, reply) -> collect(host, reply, onReply, answered, unreachable));
    }

    private static void collect(final HostInfo host, final CompletableFuture<HttpResponse<byte[]>> reply,
                                final Consumer<JsonNode> onReply, final ArrayNode answered, final ArrayNode unreachable) {
        final String name = Forwarder.endpoint(host);
        try {
            final HttpResponse<byte[]> response = reply.get(Forwarder.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            final JsonNode body = ApiResponse.MAPPER.readTree(response.body());
            if (response.statusCode() != 200) {
                unreachable.addObject().put("instance", name).put("error", "HTTP " + response.statusCode() + ": "
                        + body.path("error").asText(""));
                return;
            }
            onReply.accept(body);
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
