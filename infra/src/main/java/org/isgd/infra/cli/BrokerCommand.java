package org.isgd.infra.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.isgd.infra.broker.EmbeddedBroker;
import org.isgd.infra.broker.EmbeddedCluster;
import org.isgd.infra.common.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code isgd broker}: an embedded KRaft broker for development, bound to 127.0.0.1 only — one
 * node, a cluster of several in this process ({@code --nodes 3}), or one node of such a cluster
 * per process ({@code --nodes 3 --node 2}).
 */
@Command(name = "broker", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Run an embedded Kafka (KRaft) broker on 127.0.0.1 until Ctrl-C.",
            "With --nodes 3: a three-node cluster (every node broker and controller; internal topics and topics "
                + "created without a replication factor get 3 replicas, min.insync.replicas 2), node i on client port "
                + "PORT+i-1 and controller port PORT+100+i-1; with --node i as well, only that node, so that each "
                + "node runs (and can be killed) as a process of its own."})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092",
            description = "Client port on 127.0.0.1 (0 = any free port); with --nodes, node 1's, the others follow.")
    int port;

    @Option(names = "--data-dir", defaultValue = "${sys:user.home}/.isgd/broker",
            description = "Log and metadata directory; formatted on first use, reused after. With --nodes, the "
                    + "cluster's (node-1 ... node-N under it); use a different one from a single node's.")
    Path dataDir;

    @Option(names = "--nodes", defaultValue = "1", description = "Nodes in the cluster (1 to 9).")
    int nodes;

    @Option(names = "--node", description = "Run only this node (1..--nodes) of the cluster in this process.")
    Integer node;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 9) {
            throw new UsageException("--nodes must be 1 to 9, got " + nodes);
        }
        if (node != null && (node < 1 || node > nodes)) {
            throw new UsageException("--node must be 1 to " + nodes + " (--nodes), got " + node);
        }
        if (nodes > 1 && port == 0 && node != null) {
            throw new UsageException("--node needs a fixed --port: the nodes of a cluster in separate processes must "
                    + "know each other's ports");
        }
        if (nodes > 1 && port > 65535 - 100 - nodes) {
            throw new UsageException("--port must be at most " + (65535 - 100 - nodes) + " with " + nodes
                    + " nodes (controllers listen 100 above)");
        }
        if (nodes == 1) {
            try (EmbeddedBroker broker = EmbeddedBroker.start(port, dataDir)) {
                Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
                System.out.printf("broker on %s (data in %s, up in %d ms); Ctrl-C stops it%n", broker.bootstrapServers(),
                        dataDir, broker.startupTime().toMillis());
                System.out.println("next: infra/isgd topics --bootstrap-servers " + broker.bootstrapServers());
                broker.awaitShutdown();
            }
            return 0;
        }
        if (node != null) {
            final int[] clients = EmbeddedCluster.clientPorts(port, nodes);
            final int[] controllers = EmbeddedCluster.controllerPorts(port, nodes);
            System.out.printf("node %d of %d starting on 127.0.0.1:%d; it serves once a majority of the nodes is up%n",
                    node, nodes, clients[node - 1]);
            try (EmbeddedBroker broker = EmbeddedBroker.startNode(node, clients, controllers, dataDir)) {
                Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
                System.out.printf("node %d of %d on %s (data in %s, up in %d ms); Ctrl-C stops it%n", node, nodes,
                        broker.bootstrapServers(), broker.dataDir(), broker.startupTime().toMillis());
                broker.awaitShutdown();
            }
            return 0;
        }
        final long t0 = System.nanoTime();
        final EmbeddedCluster cluster = EmbeddedCluster.start(nodes, port, dataDir);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }, "cluster-shutdown"));
        System.out.printf("%d-node cluster on %s (data in %s, up in %d ms); Ctrl-C stops it%n", nodes,
                cluster.bootstrapServers(), dataDir, (System.nanoTime() - t0) / 1_000_000);
        System.out.println("next: infra/isgd topics --bootstrap-servers " + cluster.bootstrapServers());
        stopped.await();
        return 0;
    }
}
