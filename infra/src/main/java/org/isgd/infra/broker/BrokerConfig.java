package org.isgd.infra.broker;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The configuration of an embedded KRaft node: one process acting as broker and controller, both
 * listeners on 127.0.0.1, no topic auto-creation, no initial rebalance delay. A single node has
 * internal topics with one replica and min ISR 1 (so transactions and exactly-once work); a
 * cluster of three or more replicates them three times with min ISR 2, and so do topics created
 * without an explicit replication factor (Kafka Streams' internal topics among them).
 */
final class BrokerConfig {
    static final String LOOPBACK = "127.0.0.1";
    static final int NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private BrokerConfig() {
    }

    /** A single node: client port {@code clientPort}, controller port {@code ctrlPort}, logs in {@code dir}. */
    static Properties properties(int clientPort, int ctrlPort, Path dir) {
        return properties(NODE_ID, 1, clientPort, ctrlPort, voters(new int[] {ctrlPort}), dir);
    }

    /** {@code controller.quorum.voters} for nodes 1..n with these controller ports. */
    static String voters(int[] ctrlPorts) {
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < ctrlPorts.length; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append('@').append(LOOPBACK).append(':').append(ctrlPorts[i]);
        }
        return voters.toString();
    }

    /** Node {@code nodeId} of a cluster of {@code nodes}, each a controller voter. */
    static Properties properties(int nodeId, int nodes, int clientPort, int ctrlPort, String voters, Path dir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort + "," + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + ctrlPort);
        p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", dir.toString());

        String replicas = String.valueOf(Math.min(3, nodes));
        String minIsr = nodes >= 3 ? "2" : "1";
        p.put("offsets.topic.replication.factor", replicas);
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", minIsr);

        if (nodes > 1) {
            // a node that dies without a goodbye (SIGKILL) keeps leading its partitions until the controller
            // fences it after this long without heartbeats: Kafka's 9 s default made a broker kill stop the
            // run's batches for 10-14 s; 3 s (heartbeats every second) for a cluster on one machine
            p.put("broker.session.timeout.ms", "3000");
            p.put("broker.heartbeat.interval.ms", "1000");
        }
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "6");

        // Small footprint for development.
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("log.retention.check.interval.ms", "60000");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", nodes > 1 ? "2" : "4");
        p.put("num.recovery.threads.per.data.dir", "2");
        return p;
    }
}
