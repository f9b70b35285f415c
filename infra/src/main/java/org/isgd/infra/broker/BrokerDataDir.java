package org.isgd.infra.broker;

import static org.isgd.infra.broker.BrokerConfig.CONTROLLER_LISTENER;
import static org.isgd.infra.broker.BrokerConfig.NODE_ID;
import static org.isgd.infra.broker.BrokerStartException.oneLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * The broker's data directory: checked to be a writable directory, formatted with a fresh cluster
 * id on first use, its cluster id read back on every later start.
 */
final class BrokerDataDir {
    private BrokerDataDir() {
    }

    /** The directory, absolute, created if need be; fails in one line if it cannot be written. */
    static Path prepare(Path dataDir) {
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

    /** Whether the directory holds no Kafka data yet. */
    static boolean isNew(Path dir) {
        return !Files.exists(dir.resolve("meta.properties"));
    }

    /** Formats a new directory for the single node with {@code clusterId}, as kafka-storage format would. */
    static void format(Path dir, String clusterId) {
        format(dir, clusterId, NODE_ID);
    }

    /** Formats a new directory for node {@code nodeId} of cluster {@code clusterId}. */
    static void format(Path dir, String clusterId, int nodeId) {
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(nodeId)
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

    /**
     * The cluster id the nodes of a cluster share: read from {@code root}/cluster.id, written there
     * first (atomically: one node wins, the others read its id) if no node has formatted yet.
     */
    static String sharedClusterId(Path root) {
        Path file = root.resolve("cluster.id");
        try {
            if (!Files.exists(file)) {
                Path tmp = Files.createTempFile(root, ".cluster-id", ".tmp");
                Files.writeString(tmp, org.apache.kafka.common.Uuid.randomUuid().toString());
                try {
                    Files.createLink(file, tmp); // atomic: fails if another node got there first, then its id counts
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // the other node's id it is
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new BrokerStartException("Cannot read or write " + file + " (" + oneLine(e)
                    + "): pass a writable cluster directory.", e);
        }
    }

    /** The cluster id of a formatted directory; fails if another setup (node id) formatted it. */
    static String readClusterId(Path dir) {
        return readClusterId(dir, NODE_ID);
    }

    /** The cluster id of a directory formatted for node {@code nodeId}. */
    static String readClusterId(Path dir, int nodeId) {
        Properties meta = new Properties();
        try (var in = Files.newInputStream(dir.resolve("meta.properties"))) {
            meta.load(in);
        } catch (IOException e) {
            throw new BrokerStartException("Cannot read " + dir.resolve("meta.properties") + " (" + oneLine(e)
                    + "): fix its permissions, or delete the directory to start from scratch.", e);
        }
        String id = meta.getProperty("cluster.id");
        String node = meta.getProperty("node.id");
        if (id == null || !String.valueOf(nodeId).equals(node)) {
            throw new BrokerStartException("Directory " + dir + " holds data of another Kafka setup (node.id="
                    + node + "): pass another directory, or delete it to start from scratch.");
        }
        return id;
    }
}
