package org.isgd.infra.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;

/**
 * The client of a sampler's HTTP query API: one GET, its JSON answer, and every way it can fail
 * as a one-line {@link UsageException}.
 */
public final class QueryClient {
    public static final String DEFAULT_API = "http://127.0.0.1:8085";
    /** The bearer token, when the sampler's API needs one (as {@code isgd sampler} reads it). */
    public static final String TOKEN_ENV = org.isgd.sampler.api.ApiAccess.TOKEN_ENV;
    static final ObjectMapper MAPPER = new ObjectMapper();

    private QueryClient() {
    }

    /** An HTTP status with its JSON body. */
    public record Answer(int status, JsonNode body) {
    }

    /** GET {@code base + path}; a refused connection or a timeout is a one-line {@link UsageException}. */
    public static Answer get(final String base, final String path) {
        return get(base, path, System.getenv(TOKEN_ENV));
    }

    /** {@link #get(String, String)} with a bearer token (null for none). */
    public static Answer get(final String base, final String path, final String token) {
        return get(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build(), base, path, token);
    }

    /** {@link #get(String, String)} on a client of the caller's (one that asks many times keeps its connections). */
    public static Answer get(final HttpClient client, final String base, final String path) {
        return get(client, base, path, System.getenv(TOKEN_ENV));
    }

    /** The same, with a bearer token (null for none). */
    public static Answer get(final HttpClient client, final String base, final String path, final String token) {
        final URI uri;
        try {
            uri = URI.create(base.replaceAll("/+$", "") + path);
            if (uri.getHost() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--api must be a URL such as " + DEFAULT_API + ", was '" + base + "'");
        }
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET();
        if (token != null && !token.isBlank()) {
            builder.header("Authorization", "Bearer " + token.strip());
        }
        final HttpRequest request = builder.build();
        try {
            final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), parse(response.body(), base, response.statusCode()));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw noApi(base);
        } catch (HttpTimeoutException e) {
            throw new UsageException("the sampler API at " + base + " did not answer within 15 s; is it overloaded?");
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw noApi(base);
            }
            if (e instanceof javax.net.ssl.SSLException) {
                throw new UsageException("TLS with the sampler API at " + base + " failed (" + Errors.describe(e)
                        + "); if its certificate is self-signed, trust it: JAVA_OPTS='-Djavax.net.ssl.trustStore=FILE "
                        + "-Djavax.net.ssl.trustStorePassword=...'");
            }
            throw new UsageException("asking the sampler API at " + base + " failed: " + Errors.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted while asking " + base);
        }
    }

    private static UsageException noApi(final String base) {
        return new UsageException("no sampler API at " + base + "; start 'isgd sampler' or pass --api");
    }

    private static JsonNode parse(final String body, final String base, final int status) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UsageException(base + " answered HTTP " + status + " with something that is not JSON; is --api "
                    + "the address of an isgd sampler?");
        }
    }

    /** A path segment, percent-encoded. */
    public static String segment(final String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
