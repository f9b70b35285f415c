package org.isgd.sampler.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;

/** Asks another instance's API the same question and relays its answer, with short timeouts. */
final class Forwarder {
    /** Marks a forwarded request, so that the receiver never forwards it again. */
    static final String HEADER = "X-Isgd-Forwarded-By";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient client;
    private final String self;
    private final ApiAccess access;

    Forwarder(final String self, final ApiAccess access) {
        this.self = self;
        this.access = access;
        final HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1);
        if (access.tls() != null) {
            builder.sslContext(access.tls()); // the other instances present the certificate of the shared keystore
        }
        this.client = builder.build();
    }

    /** The owner's answer to {@code pathAndQuery} (raw, as received), or a 503 saying the owner did not answer. */
    ApiResponse forward(final HostInfo owner, final String pathAndQuery) {
        try {
            return relay(client.send(request(owner, pathAndQuery), HttpResponse.BodyHandlers.ofByteArray()));
        } catch (IOException e) {
            throw unreachable(owner, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while asking " + endpoint(owner) + ", retry");
        }
    }

    /** Like {@link #forward}, without waiting: for fanning out to every instance at once. */
    CompletableFuture<HttpResponse<byte[]>> forwardAsync(final HostInfo owner, final String pathAndQuery) {
        return client.sendAsync(request(owner, pathAndQuery), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String endpoint(final HostInfo host) {
        return host.host() + ":" + host.port();
    }

    static ApiException unreachable(final HostInfo owner, final Throwable error) {
        return ApiException.unavailable("instance " + endpoint(owner) + " did not answer (" + error
                + "); it may be restarting (rebalancing), retry");
    }

    private HttpRequest request(final HostInfo owner, final String pathAndQuery) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(access.scheme() + "://" + endpoint(owner)
                + pathAndQuery)).timeout(REQUEST_TIMEOUT).header(HEADER, self).GET();
        if (access.authorization() != null) {
            request.header("Authorization", access.authorization());
        }
        return request.build();
    }

    private static ApiResponse relay(final HttpResponse<byte[]> response) {
        final String type = response.headers().firstValue("Content-Type").orElse(ApiResponse.JSON);
        return new ApiResponse(response.statusCode(), type, response.body());
    }
}
