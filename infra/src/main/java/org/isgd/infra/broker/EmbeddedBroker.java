package org.isgd.infra.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka KRaft cluster (one process acting as broker and controller) run
 * in-process, for development and tests.
 *
 * <p>Both listeners bind to 127.0.0.1 only. The data directory is formatted with a fresh
 * cluster id on first use and reused afterwards, so topics and records survive restarts.
 * Settings suit one node: internal topics with replication factor 1, min ISR 1 (so
 * transactions / exactly-once work), no topic auto-creation, no initial rebalance delay.
 *
 * <p>Kafka logs a lot at INFO. Unless the caller has configured it, loading this class sets
 * slf4j-simple's level for the {@code kafka} and {@code org.apache.kafka} loggers to WARN
 * (see {@link #quietKafkaLogging()}).
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** How long {@link #start} waits for the broker to serve metadata. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    static {
        quietKafkaLogging();
    }

    private final KafkaRaftServer server;
    private final DirLock lock;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final String clusterId;
    private final boolean formatted;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedBroker(KafkaRaftServer server, DirLock lock, int port, int controllerPort, Path dataDir,
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
     * Sets slf4j-simple's log level for Kafka's loggers ({@code kafka.*}, {@code org.apache.kafka.*},
     * {@code state.change.logger}) to WARN, unless a level for them is already configured as a
     * system property or in {@code simplelogger.properties}. Only affects loggers created afterwards: call it first thing in
     * {@code main} to also quiet Kafka clients created before the broker.
     */
    public static void quietKafkaLogging() {
        // slf4j-simple reads system properties before simplelogger.properties: only fill in
        // levels that neither configures, so an explicit configuration always wins.
        Properties file = new Properties();
        try (var in = EmbeddedBroker.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
            if (in != null) {
                file.load(in);
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: treat as absent
        }
        for (String name : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null && file.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
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
        Path dir = prepareDir(dataDir);
        DirLock lock = DirLock.acquire(dir);
        try {
            return startLocked(port, dir, lock, t0);
        } catch (RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    private static EmbeddedBroker startLocked(int port, Path dir, DirLock lock, long t0) {
        boolean anyPort = port == 0;
        // With port 0 another process may grab the picked port between the probe and Kafka's
        // bind; retry a couple of times with fresh ports in that case.
        for (int attempt = 1; ; attempt++) {
            int clientPort = anyPort ? freePort() : checkPortFree(port, "broker");
            int ctrlPort = freePort(clientPort);
            try {
                return startOnce(clientPort, ctrlPort, dir, lock, t0);
            } catch (PortRaceException e) {
                if (!anyPort || attempt >= 3) {
                    throw new BrokerStartException("Kafka could not bind " + LOOPBACK + ":" + e.port
                            + " (address in use): stop whatever uses it or choose another port (0 = any free port).",
                            e.getCause());
                }
                LOG.warn("Port {} taken while starting the broker, retrying with another", e.port);
            }
        }
    }

    private static EmbeddedBroker startOnce(int clientPort, int ctrlPort, Path dir, DirLock lock, long t0) {
        Properties props = brokerProperties(clientPort, ctrlPort, dir);
        KafkaConfig config;
        try {
            config = KafkaConfig.fromProps(props, false);
        } catch (RuntimeException e) {
            throw new BrokerStartException("Invalid embedded broker configuration: " + oneLine(e), e);
        }
        boolean formatted = false;
        String clusterId;
        if (!Files.exists(dir.resolve("meta.properties"))) {
            clusterId = Uuid.randomUuid().toString();
            format(dir, clusterId);
            formatted = true;
        } else {
            clusterId = readClusterId(dir);
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
            Integer racedPort = bindFailurePort(e, clientPort, ctrlPort);
            if (racedPort != null) {
                throw new PortRaceException(racedPort, e);
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
        LOG.info("Embedded Kafka broker up at {} (controller port {}, data {}, {}) in {} ms",
                bootstrap, ctrlPort, dir, formatted ? "newly formatted" : "existing data", took.toMillis());
        return new EmbeddedBroker(server, lock, clientPort, ctrlPort, dir, clusterId, formatted, took);
    }

    static Properties brokerProperties(int clientPort, int ctrlPort, Path dir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + ctrlPort);
        p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort + "," + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + ctrlPort);
        p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", dir.toString());

        // One node: every internal topic has a single replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");

        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "6");

        // Small footprint for development.
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("log.retention.check.interval.ms", "60000");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "2");
        return p;
    }

    private static Path prepareDir(Path dataDir) {
        if (dataDir == null) {
            throw new BrokerStartException("No Kafka data directory given: pass a writable directory.");
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BrokerStartException("Kafka data directory " + dir
                    + " exists but is not a directory: pass a directory path.");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new BrokerStartException("Cannot create Kafka data directory " + dir + " (" + oneLine(e)
                    + "): pass a writable directory.", e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new BrokerStartException("Kafka data directory " + dir
                    + " is not a writable directory: fix its permissions or pass another directory.");
        }
        // isWritable can lie (read-only mounts, some ACLs): prove it.
        try {
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new BrokerStartException("Kafka data directory " + dir + " is not writable (" + oneLine(e)
                    + "): fix its permissions or pass another directory.", e);
        }
        return dir;
    }

    private static void format(Path dir, String clusterId) {
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .addDirectory(dir.toString())
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new BrokerStartException("Cannot format Kafka data directory " + dir + " (" + oneLine(e)
                    + "): pass an empty writable directory.", e);
        }
    }

    private static String readClusterId(Path dir) {
        Properties meta = new Properties();
        try (var in = Files.newInputStream(dir.resolve("meta.properties"))) {
            meta.load(in);
        } catch (IOException e) {
            throw new BrokerStartException("Cannot read " + dir.resolve("meta.properties") + " (" + oneLine(e)
                    + "): fix its permissions, or delete the directory to start from scratch.", e);
        }
        String id = meta.getProperty("cluster.id");
        String node = meta.getProperty("node.id");
        if (id == null || !String.valueOf(NODE_ID).equals(node)) {
            throw new BrokerStartException("Directory " + dir + " holds data of another Kafka setup (node.id="
                    + node + "): pass another directory, or delete it to start from scratch.");
        }
        return id;
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

    /** Probes that {@code port} is free on 127.0.0.1, else throws a clear error. */
    private static int checkPortFree(int port, String what) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return port;
        } catch (IOException e) {
            throw new BrokerStartException("Port " + port + " on " + LOOPBACK + " is already in use (" + oneLine(e)
                    + "): stop whatever uses it (another broker?) or choose another " + what + " port (0 = any free port).", e);
        }
    }

    private static int freePort(int... avoid) {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
                int p = s.getLocalPort();
                boolean clash = false;
                for (int a : avoid) {
                    clash |= a == p;
                }
                if (!clash) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot find a free port on " + LOOPBACK, e);
            }
        }
        throw new BrokerStartException("Cannot find a free port on " + LOOPBACK + ": free some ports and retry.");
    }

    private static Integer bindFailurePort(Throwable e, int clientPort, int ctrlPort) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.net.BindException || m.contains("failed to bind") || m.contains("Address already in use")) {
                return m.contains(":" + ctrlPort) ? ctrlPort : clientPort;
            }
        }
        return null;
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        if (root != e && e.getMessage() != null && !e.getMessage().contains(m)) {
            m = e.getMessage() + ": " + m;
        }
        return m.replaceAll("\\s+", " ").trim();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("Interrupted while waiting for the embedded Kafka broker to start.", e);
        }
    }

    /**
     * Holds {@code .isgd-broker.lock} in the data directory while the broker runs. Kafka locks
     * its log directories only once the controller has already opened the metadata log, so a
     * second broker on the same directory would write to it before failing: refuse earlier.
     */
    private static final class DirLock {
        private final FileChannel channel;
        private final FileLock lock;

        private DirLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static DirLock acquire(Path dir) {
            String inUse = "Kafka data directory " + dir + " is in use by another broker: stop it or pass another directory.";
            FileChannel ch = null;
            try {
                ch = FileChannel.open(dir.resolve(".isgd-broker.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock l = ch.tryLock();
                if (l == null) {
                    throw new BrokerStartException(inUse);
                }
                probeKafkaLock(dir, inUse);
                return new DirLock(ch, l);
            } catch (OverlappingFileLockException e) {
                closeQuietly(ch);
                throw new BrokerStartException(inUse, e);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new BrokerStartException("Cannot lock Kafka data directory " + dir + " (" + oneLine(e)
                        + "): pass a writable local directory.", e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        }

        /** A plain Kafka process (not an EmbeddedBroker) holds {@code .lock}: detect it too. */
        private static void probeKafkaLock(Path dir, String inUse) throws IOException {
            Path kafkaLock = dir.resolve(".lock");
            if (!Files.exists(kafkaLock)) {
                return;
            }
            try (FileChannel ch = FileChannel.open(kafkaLock, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l == null) {
                    throw new BrokerStartException(inUse);
                }
                l.release();
            } catch (OverlappingFileLockException e) {
                throw new BrokerStartException(inUse, e);
            }
        }

        void release() {
            try {
                lock.release();
            } catch (IOException e) {
                LOG.debug("Releasing the data directory lock", e);
            }
            closeQuietly(channel);
        }

        private static void closeQuietly(FileChannel ch) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    /** Kafka could not bind a port we picked ourselves; retried when the caller asked for any port. */
    private static final class PortRaceException extends RuntimeException {
        final int port;

        PortRaceException(int port, Throwable cause) {
            super("port " + port + " in use", cause);
            this.port = port;
        }
    }
}
