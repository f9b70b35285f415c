package org.isgd.infra.broker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A KRaft cluster of several {@link EmbeddedBroker} nodes in this process, each broker and
 * controller, all on 127.0.0.1: with three or more nodes internal topics (and topics created
 * without a replication factor) get three replicas and {@code min.insync.replicas} 2, so one node
 * can be stopped and restarted while clients, transactions and Kafka Streams keep working.
 */
public final class EmbeddedCluster implements AutoCloseable {
    /** Node i's controller listens this far above its client port. */
    public static final int CONTROLLER_OFFSET = 100;

    private final int[] clientPorts;
    private final int[] ctrlPorts;
    private final Path dir;
    private final EmbeddedBroker[] nodes;

    private EmbeddedCluster(int[] clientPorts, int[] ctrlPorts, Path dir) {
        this.clientPorts = clientPorts;
        this.ctrlPorts = ctrlPorts;
        this.dir = dir;
        this.nodes = new EmbeddedBroker[clientPorts.length];
    }

    /**
     * Starts {@code n} nodes and returns once each serves metadata.
     *
     * @param basePort node i (1..n) listens for clients on basePort + i − 1 and for its
     *     controller on basePort + 100 + i − 1; 0 picks free ports
     * @param dir the cluster's directory: node-1 ... node-n and cluster.id under it, reused on restart
     */
    public static EmbeddedCluster start(int n, int basePort, Path dir) {
        if (n < 1 || n > 9) {
            throw new BrokerStartException("A cluster of " + n + " nodes: use 1 to 9.");
        }
        if (basePort < 0 || basePort > 65535 - 100 - n) {
            throw new BrokerStartException("Invalid base port " + basePort + ": use 0 (any free ports) or 1-"
                    + (65535 - 100 - n) + ".");
        }
        int[] clients = new int[n];
        int[] controllers = new int[n];
        List<Integer> taken = new ArrayList<>();
        final int[] fixedClients = clientPorts(basePort, n);
        final int[] fixedControllers = controllerPorts(basePort, n);
        for (int i = 0; i < n; i++) {
            clients[i] = basePort == 0 ? BrokerPorts.freePort(toArray(taken)) : fixedClients[i];
            taken.add(clients[i]);
        }
        for (int i = 0; i < n; i++) {
            controllers[i] = basePort == 0 ? BrokerPorts.freePort(toArray(taken)) : fixedControllers[i];
            taken.add(controllers[i]);
        }
        EmbeddedCluster cluster = new EmbeddedCluster(clients, controllers, dir);
        // every node waits for a quorum of controllers while it starts: start them side by side
        ExecutorService starters = Executors.newFixedThreadPool(n);
        try {
            List<Future<EmbeddedBroker>> started = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                int id = i;
                started.add(starters.submit(() -> EmbeddedBroker.startNode(id, clients, controllers, dir)));
            }
            BrokerStartException failure = null;
            for (int i = 0; i < n; i++) {
                try {
                    cluster.nodes[i] = started.get(i).get();
                } catch (ExecutionException e) {
                    failure = e.getCause() instanceof BrokerStartException b ? b
                            : new BrokerStartException("Node " + (i + 1) + " failed to start: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new BrokerStartException("Interrupted while starting the cluster.", e);
                }
            }
            if (failure != null) {
                cluster.close();
                throw failure;
            }
            return cluster;
        } finally {
            starters.shutdownNow();
        }
    }

    /** The client ports of nodes 1..n from a base port: base, base + 1, ... */
    public static int[] clientPorts(final int basePort, final int n) {
        final int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = basePort + i;
        }
        return ports;
    }

    /** The controller ports of nodes 1..n from a base port: {@link #CONTROLLER_OFFSET} above the client ports. */
    public static int[] controllerPorts(final int basePort, final int n) {
        final int[] ports = clientPorts(basePort, n);
        for (int i = 0; i < n; i++) {
            ports[i] += CONTROLLER_OFFSET;
        }
        return ports;
    }

    /** bootstrap.servers of nodes 1..n on 127.0.0.1 from a base port. */
    public static String bootstrapServers(final int basePort, final int n) {
        final List<String> nodes = new ArrayList<>();
        for (final int port : clientPorts(basePort, n)) {
            nodes.add(BrokerConfig.LOOPBACK + ":" + port);
        }
        return String.join(",", nodes);
    }

    private static int[] toArray(List<Integer> ports) {
        return ports.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every node's client address, comma-separated: a client's bootstrap.servers. */
    public String bootstrapServers() {
        List<String> up = new ArrayList<>();
        for (int i = 0; i < clientPorts.length; i++) {
            up.add(BrokerConfig.LOOPBACK + ":" + clientPorts[i]);
        }
        return String.join(",", up);
    }

    public int size() {
        return nodes.length;
    }

    /** Node {@code id} (1..n); null while stopped. */
    public EmbeddedBroker node(int id) {
        return nodes[id - 1];
    }

    /** Shuts node {@code id} down cleanly (the others keep serving). */
    public void stopNode(int id) {
        EmbeddedBroker node = nodes[id - 1];
        nodes[id - 1] = null;
        if (node != null) {
            node.close();
        }
    }

    /** Starts a stopped node again on its ports with its data. */
    public void startNode(int id) {
        if (nodes[id - 1] == null) {
            nodes[id - 1] = EmbeddedBroker.startNode(id, clientPorts, ctrlPorts, dir);
        }
    }

    @Override
    public void close() {
        for (int i = nodes.length; i >= 1; i--) {
            try {
                stopNode(i);
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedCluster[" + bootstrapServers() + ", " + dir + "]";
    }
}

