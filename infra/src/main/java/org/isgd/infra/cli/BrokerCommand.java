package org.isgd.infra.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isgd.infra.broker.EmbeddedBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isgd broker}: a single-node KRaft broker for development, bound to 127.0.0.1 only. */
@Command(name = "broker", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run an embedded single-node Kafka (KRaft) broker on 127.0.0.1 until Ctrl-C.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (0 = any free port).")
    int port;

    @Option(names = "--data-dir", defaultValue = "${sys:user.home}/.isgd/broker",
            description = "Log and metadata directory; formatted on first use, reused after.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(port, dataDir)) {
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
            System.out.printf("broker on %s (data in %s, up in %d ms); Ctrl-C stops it%n", broker.bootstrapServers(),
                    dataDir, broker.startupTime().toMillis());
            System.out.println("next: infra/isgd topics --bootstrap-servers " + broker.bootstrapServers());
            broker.awaitShutdown();
        }
        return 0;
    }
}
