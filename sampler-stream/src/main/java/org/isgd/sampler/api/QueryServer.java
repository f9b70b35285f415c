package org.isgd.sampler.api;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.sampler.SamplerApp;

/**
 * The sampler's HTTP query API (JDK HttpServer): a sample's state, history and state as of a
 * time; run statistics; the hardest samples; suspected mislabels; Prometheus metrics; health.
 * Any instance answers for any run by forwarding to the run's owner. It reads only published
 * snapshots, interactive queries and metrics, never a stream thread's live state.
 */
public final class QueryServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8085;
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ApiAccess access;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Where to listen and what to advertise.
     *
     * @param bind address to bind; a non-loopback one needs {@code allowRemote}
     * @param port port to bind, 0 for any free one
     * @param advertised this instance's {@code application.server} (host:port), the address the other instances
     *                   forward to; null for a single instance that never forwards
     * @param access the bearer token and TLS context, if any; a non-loopback bind needs a token
     */
    public record Settings(String bind, int port, boolean allowRemote, String advertised, ApiAccess access) {
        public Settings(final String bind, final int port, final boolean allowRemote, final String advertised) {
            this(bind, port, allowRemote, advertised, ApiAccess.OPEN);
        }

        public static Settings loopback(final int port, final String advertised) {
            return new Settings(BindAddress.DEFAULT, port, false, advertised, ApiAccess.OPEN);
        }
    }

    private QueryServer(final HttpServer server, final ExecutorService executor, final ApiAccess access) {
        this.server = server;
        this.executor = executor;
        this.access = access;
    }

    /** Binds and starts serving; refuses a non-loopback bind without {@code allowRemote}. */
    public static QueryServer start(final SamplerApp app, final Settings settings) {
        final ApiAccess access = settings.access();
        final InetAddress address = BindAddress.check(settings.bind(), settings.allowRemote(), access.token() != null);
        final HostInfo self = settings.advertised() == null ? null : HostInfo.buildFromEndpoint(settings.advertised());
        final HttpServer server;
        try {
            final InetSocketAddress at = new InetSocketAddress(address, settings.port());
            if (access.tls() != null) {
                final HttpsServer https = HttpsServer.create(at, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(access.tls()));
                server = https;
            } else {
                server = HttpServer.create(at, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the query API to " + settings.bind() + ":" + settings.port()
                    + " (" + e.getMessage() + "); pick another port (isgd sampler --api-port) or 0 to turn it off", e);
        }
        final AtomicInteger n = new AtomicInteger();
        final ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            final Thread thread = new Thread(task, "isgd-api-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", new ApiHandler(app, self, access));
        server.start();
        return new QueryServer(server, executor, access);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The base URL, e.g. http://127.0.0.1:8085 (https with TLS). */
    public String url() {
        final InetSocketAddress bound = address();
        final String host = bound.getAddress().getHostAddress();
        return access.scheme() + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed by a shutdown hook and again by try-with-resources
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
