package org.isgd.infra.broker;

import static org.isgd.infra.broker.BrokerConfig.LOOPBACK;
import static org.isgd.infra.broker.BrokerStartException.oneLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Kafka KRaft node (acting as broker and controller) run in-process, for
 * development and tests: a single-node cluster ({@link #start}), or one node of a cluster of
 * several ({@link #startNode}; {@link EmbeddedCluster} runs all of them in one process).
 *
 * <p>This class is the broker's lifecycle: start (data directory, lock, ports, configuration,
 * readiness), the running broker's addresses, and shutdown. Both listeners bind to 127.0.0.1
 * only ({@link BrokerConfig}). The data directory is formatted with a fresh cluster id on first
 * use and reused afterwards, so topics and records survive restarts ({@link BrokerDataDir}).
 *
 * <p>Kafka logs a lot at INFO. Unless the caller has configured it, loading this class sets
 * slf4j-simple's level for the {@code kafka} and {@code org.apache.kafka} loggers to WARN
 * (see {@link KafkaLogging#quiet()}).
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    /** How long {@link #start} waits for the broker to serve metadata. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    static {
        KafkaLogging.quiet();
    }

    private final KafkaRaftServer server;
    private final DataDirLock lock;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final String clusterId;
    private final boolean formatted;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedBroker(KafkaRaftServer server, DataDirLock lock, int port, int controllerPort, Path dataDir,
                           String clusterId, boolean formatted, Duration startupTime) {
        this.server = server;
        this.lock = lock;
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.clusterId = clusterId;
        this.formatted = formatted;
        this.startupTime = startupTime;
    }

    /**
     * Starts a broker and returns once it serves metadata.
     *
     * @param port    the client (PLAINTEXT) port on 127.0.0.1; 0 picks a free one
     * @param dataDir the log directory; created and formatted if new, reused otherwise
     * @throws BrokerStartException with a one-line message saying what to do, if the broker
     *                              cannot start (port in use, directory unusable, ...)
     */
    public static EmbeddedBroker start(int port, Path dataDir) {
        if (port < 0 || port > 65535) {
            throw new BrokerStartException("Invalid broker port " + port + ": use 0 (any free port) or 1-65535.");
        }
        long t0 = System.nanoTime();
        Path dir = BrokerDataDir.prepare(dataDir);
        DataDirLock lock = DataDirLock.acquire(dir);
        try {
            return startLocked(port, dir, lock, t0);
        } catch (RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    private static EmbeddedBroker startLocked(int port, Path dir, DataDirLock lock, long t0) {
        boolean anyPort = port == 0;
        // With port 0 another process may grab the picked port between the probe and Kafka's
        // bind; retry a couple of times with fresh ports in that case.
        for (int attempt = 1; ; attempt++) {
            int clientPort = anyPort ? BrokerPorts.freePort() : BrokerPorts.checkPortFree(port, "broker");
            int ctrlPort = BrokerPorts.freePort(clientPort);
            try {
                return startOnce(clientPort, ctrlPort, dir, lock, t0);
            } catch (BrokerPorts.PortRaceException e) {
                if (!anyPort || attempt >= 3) {
                    throw new BrokerStartException("Kafka could not bind " + LOOPBACK + ":" + e.port
                            + " (address in use): stop whatever uses it or choose another port (0 = any free port).",
                            e.getCause());
                }
                LOG.warn("Port {} taken while starting the broker, retrying with another", e.port);
            }
        }
    }

    private static EmbeddedBroker startOnce(int clientPort, int ctrlPort, Path dir, DataDirLock lock, long t0) {
        return startOnce(BrokerConfig.NODE_ID, 1, clientPort, ctrlPort, BrokerConfig.voters(new int[] {ctrlPort}), dir,
                lock, t0, () -> Uuid.randomUuid().toString());
    }

    /**
     * Starts node {@code nodeId} (1..n) of an n-node KRaft cluster on 127.0.0.1, in this process
     * or in another: every node is given all nodes' client and controller ports. Its data lives in
     * {@code clusterDir}/node-{id}; the cluster id in {@code clusterDir}/cluster.id, written by
     * whichever node formats first. Returns once this node serves metadata, which needs a
     * majority of the nodes (their controllers form the quorum) to be up.
     */
    public static EmbeddedBroker startNode(int nodeId, int[] clientPorts, int[] ctrlPorts, Path clusterDir) {
        int nodes = clientPorts.length;
        if (nodes < 1 || ctrlPorts.length != nodes || nodeId < 1 || nodeId > nodes) {
            throw new BrokerStartException("Node " + nodeId + " of a " + nodes + "-node cluster: node ids run from 1 to "
                    + nodes + ", with one client and one controller port each.");
        }
        long t0 = System.nanoTime();
        Path root = BrokerDataDir.prepare(clusterDir);
        Path dir = BrokerDataDir.prepare(root.resolve("node-" + nodeId));
        DataDirLock lock = DataDirLock.acquire(dir);
        try {
            int clientPort = BrokerPorts.checkPortFree(clientPorts[nodeId - 1], "broker node " + nodeId);
            int ctrlPort = BrokerPorts.checkPortFree(ctrlPorts[nodeId - 1], "controller of node " + nodeId);
            try {
                return startOnce(nodeId, nodes, clientPort, ctrlPort, BrokerConfig.voters(ctrlPorts), dir, lock, t0,
                        () -> BrokerDataDir.sharedClusterId(root));
            } catch (BrokerPorts.PortRaceException e) {
                throw new BrokerStartException("Kafka could not bind " + LOOPBACK + ":" + e.port
                        + " (address in use): stop whatever uses it or choose other ports.", e.getCause());
            }
        } catch (RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    private static EmbeddedBroker startOnce(int nodeId, int nodes, int clientPort, int ctrlPort, String voters,
                                            Path dir, DataDirLock lock, long t0,
                                            java.util.function.Supplier<String> newClusterId) {
        KafkaConfig config;
        try {
            config = KafkaConfig.fromProps(BrokerConfig.properties(nodeId, nodes, clientPort, ctrlPort, voters, dir),
                    false);
        } catch (RuntimeException e) {
            throw new BrokerStartException("Invalid embedded broker configuration: " + oneLine(e), e);
        }
        boolean formatted = false;
        String clusterId;
        if (BrokerDataDir.isNew(dir)) {
            clusterId = newClusterId.get();
            BrokerDataDir.format(dir, clusterId, nodeId);
            formatted = true;
        } else {
            clusterId = BrokerDataDir.readClusterId(dir, nodeId);
        }

        KafkaRaftServer server;
        try {
            server = new KafkaRaftServer(config, Time.SYSTEM);
        } catch (RuntimeException e) {
            throw new BrokerStartException("Cannot use Kafka data directory " + dir + " (" + oneLine(e)
                    + "): pass another directory, or delete this one to start from scratch.", e);
        }
        try {
            server.startup();
        } catch (RuntimeException e) {
            safeShutdown(server);
            Integer racedPort = BrokerPorts.bindFailurePort(e, clientPort, ctrlPort);
            if (racedPort != null) {
                throw new BrokerPorts.PortRaceException(racedPort, e);
            }
            String msg = oneLine(e);
            if (msg.contains(".lock")) {
                throw new BrokerStartException("Kafka data directory " + dir
                        + " is in use by another broker: stop it or pass another directory.", e);
            }
            throw new BrokerStartException("Embedded Kafka broker failed to start (" + msg
                    + "): check the data directory " + dir + " and the ports " + clientPort + "/" + ctrlPort + ".", e);
        }
        String bootstrap = LOOPBACK + ":" + clientPort;
        try {
            awaitReady(bootstrap);
        } catch (RuntimeException e) {
            safeShutdown(server);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Embedded Kafka broker node {} of {} up at {} (controller port {}, data {}, {}) in {} ms", nodeId,
                nodes, bootstrap, ctrlPort, dir, formatted ? "newly formatted" : "existing data", took.toMillis());
        return new EmbeddedBroker(server, lock, clientPort, ctrlPort, dir, clusterId, formatted, took);
    }

    private static void awaitReady(String bootstrap) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        RuntimeException last = null;
        try (Admin admin = Admin.create(conf)) {
            while (System.nanoTime() < deadline) {
                try {
                    var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes().get(10, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = new RuntimeException(e.getCause() != null ? e.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BrokerStartException("Interrupted while waiting for the embedded Kafka broker at "
                            + bootstrap + " to start.", e);
                }
                sleep(50);
            }
        }
        throw new BrokerStartException("Embedded Kafka broker at " + bootstrap + " did not serve metadata within "
                + READY_TIMEOUT.toSeconds() + " s" + (last != null ? " (" + oneLine(last) + ")" : "")
                + ": check the machine's load and the log output.", last);
    }

    /** The client bootstrap address, {@code 127.0.0.1:port}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    /** The client (PLAINTEXT) port. */
    public int port() {
        return port;
    }

    /** The KRaft controller port (loopback only; clients never need it). */
    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Whether this start formatted a new data directory (false: existing data reused). */
    public boolean formattedOnStart() {
        return formatted;
    }

    /** Wall time {@link #start} took, from call to the broker serving metadata. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Blocks until the broker has shut down (after {@link #close()} from another thread, e.g. a shutdown hook). */
    public void awaitShutdown() {
        server.awaitShutdown();
    }

    /** Shuts the broker down cleanly and waits for it; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } finally {
                lock.release();
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedBroker[" + bootstrapServers() + ", " + dataDir + "]";
    }

    // ---------------------------------------------------------------------------------------

    private static void safeShutdown(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Error shutting down a broker that failed to start", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("Interrupted while waiting for the embedded Kafka broker to start.", e);
        }
    }
}
