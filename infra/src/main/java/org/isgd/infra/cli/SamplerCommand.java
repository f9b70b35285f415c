package org.isgd.infra.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd sampler}: one instance of the Kafka Streams sampler; start more with the same application id to scale. */
@Command(name = "sampler", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run a sampler instance (Kafka Streams, exactly-once) until Ctrl-C.")
final class SamplerCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--state-dir", defaultValue = "${sys:user.home}/.isgd/sampler-state",
            description = "RocksDB state directory (local to this instance).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = SamplerConfig.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id: instances with the same id share the work.")
    String applicationId;

    @Option(names = "--threads", defaultValue = "" + SamplerConfig.DEFAULT_THREADS, description = "Stream threads.")
    int threads;

    @Option(names = "--commit-interval-ms", defaultValue = "" + SamplerConfig.DEFAULT_COMMIT_INTERVAL_MS,
            description = "Transaction commit interval: bounds the acknowledgement-to-batch latency.")
    long commitIntervalMs;

    @Override
    public Integer call() throws Exception {
        kafka.requireReachable();
        final SamplerConfig config = new SamplerConfig(kafka.bootstrapServers(), applicationId, stateDir, threads,
                commitIntervalMs, kafka.overrides(), null);
        try (SamplerApp app = SamplerApp.start(config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(app::close, "sampler-shutdown"));
            app.awaitRunning(Duration.ofMinutes(2));
            System.out.printf("sampler %s running against %s (state in %s); Ctrl-C stops it%n", applicationId,
                    kafka.bootstrapServers(), stateDir);
            app.awaitStop();
            if (app.failure() != null) {
                throw new UsageException("sampler stopped: " + Isgd.describe(app.failure()));
            }
        }
        return 0;
    }
}
