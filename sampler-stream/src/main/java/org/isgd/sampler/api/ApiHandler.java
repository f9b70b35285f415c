package org.isgd.sampler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.sampler.SamplerApp;
import org.isgd.schemas.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dispatches every request: health and metrics here, run questions to the run's owner. */
final class ApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private final SamplerApp app;
    private final Ownership ownership;
    private final Forwarder forwarder;
    private final RunQueries runs;
    private final RunsFanOut allRuns;
    private final MetricsExporter metrics;
    private final ApiAccess access;

    ApiHandler(final SamplerApp app, final HostInfo self, final ApiAccess access) {
        this.app = app;
        this.access = access;
        this.ownership = new Ownership(app, self);
        this.forwarder = new Forwarder(ownership.selfName(), access);
        this.runs = new RunQueries(app, ownership.selfName());
        this.allRuns = new RunsFanOut(app, ownership, forwarder);
        this.metrics = new MetricsExporter(app, ownership);
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException {
        ApiResponse response;
        try {
            if (!access.allows(exchange.getRequestHeaders()) && !"/health".equals(exchange.getRequestURI().getRawPath())) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"isgd\"");
                throw new ApiException(401, "this API needs 'Authorization: Bearer <token>' (the token the sampler was "
                        + "started with: --api-token-file or " + ApiAccess.TOKEN_ENV + "; 'isgd query' reads the same)");
            }
            response = answer(exchange);
        } catch (ApiException e) {
            response = ApiResponse.error(e.status(), e.getMessage());
        } catch (InvalidStateStoreException e) {
            response = ApiResponse.error(503, "the sampler's stores cannot be queried right now (rebalancing or restoring: "
                    + e.getMessage() + "), retry");
        } catch (RuntimeException e) {
            LOG.error("query API failed on {}", exchange.getRequestURI(), e);
            response = ApiResponse.error(500, "internal error (" + e + "); see the sampler's log");
        }
        send(exchange, response);
    }

    private ApiResponse answer(final HttpExchange exchange) {
        if (!exchange.getRequestMethod().equals("GET")) {
            throw new ApiException(405, "only GET is supported; " + Route.USAGE);
        }
        final URI uri = exchange.getRequestURI();
        final Route route = Route.parse(uri.getRawPath());
        final QueryParameters params = new QueryParameters(uri.getRawQuery());
        return switch (route.kind()) {
            case HEALTH -> health();
            case METRICS -> metrics.scrape();
            case RUNS -> allRuns.answer(params.local());
            default -> runAnswer(route, params, uri, exchange.getRequestHeaders().containsKey(Forwarder.HEADER));
        };
    }

    private ApiResponse runAnswer(final Route route, final QueryParameters params, final URI uri, final boolean forwarded) {
        final RunSpec spec = ownership.spec(route.runId());
        if (app.sharded() && route.kind() == Route.Kind.HARDEST) {
            // a sharded run's samples are on every instance: each answers for the shards it holds
            final JsonNode local = ApiResponse.MAPPER.valueToTree(runs.answerBody(route, spec, params));
            return allRuns.hardest(spec, params.k(), params.local() || forwarded, local);
        }
        if (app.sharded() && route.kind() == Route.Kind.SUSPECTS) {
            throw new ApiException(501, "suspects are not collected from the shards of a sharded run yet (each shard's "
                    + "noise guard keeps its own); per-sample answers carry the sample's state");
        }
        final Optional<HostInfo> owner = ownership.route(spec, route.sampleId(), forwarded);
        if (owner.isPresent()) {
            return forwarder.forward(owner.get(), uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        }
        return runs.answer(route, spec, params);
    }

    private ApiResponse health() {
        final KafkaStreams.State state = app.state();
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", state.name());
        if (state == KafkaStreams.State.RUNNING) {
            return ApiResponse.ok(body);
        }
        body.put("error", switch (state) {
            case ERROR -> "the sampler failed (" + (app.failure() == null ? "see its log" : app.failure())
                    + "); restart it";
            case PENDING_SHUTDOWN, PENDING_ERROR, NOT_RUNNING -> "the sampler is stopping or stopped; restart it";
            default -> "the sampler is " + state + " (tasks are being assigned or restored); retry";
        });
        return ApiResponse.json(503, body);
    }

    private static void send(final HttpExchange exchange, final ApiResponse response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }
}
