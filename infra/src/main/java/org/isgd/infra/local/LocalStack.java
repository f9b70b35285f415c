package org.isgd.infra.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.isgd.infra.broker.EmbeddedBroker;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.topics.TopicPlan;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;

/**
 * A fresh embedded broker with the contract's topics and a sampler, in this process, for the
 * demo and the benchmarks. Closing it stops the sampler, then the broker.
 */
public final class LocalStack implements AutoCloseable {
    private final EmbeddedBroker broker;
    private final SamplerApp sampler;

    private LocalStack(final EmbeddedBroker broker, final SamplerApp sampler) {
        this.broker = broker;
        this.sampler = sampler;
    }

    /** Empties {@code workDir}, then starts broker, topics and sampler in it, reporting each step. */
    public static LocalStack start(final Path workDir) throws Exception {
        return start(workDir, 1);
    }

    /** The same with the sampler's runs spread over {@code shards} shards ({@code isgd sampler --shards}). */
    public static LocalStack start(final Path workDir, final int shards) throws Exception {
        clean(workDir);
        final EmbeddedBroker broker = StartupStep.run("broker", () -> EmbeddedBroker.start(0, workDir.resolve("broker")));
        try {
            final Map<String, Object> client = client(broker.bootstrapServers());
            // one partition per topic: one local sampler instance with one stream thread gains nothing from more,
            // and every extra task costs it a share of each poll loop and of every transaction commit
            StartupStep.run("topics", () -> TopicSetup.ensureTopics(client, TopicPlan.defaults().withSamplePartitions(1)
                    .withRunStreamPartitions(1)));
            final SamplerApp sampler = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(),
                    workDir.resolve("sampler-state")).withShards(shards));
            try {
                StartupStep.run("sampler", () -> {
                    sampler.awaitRunning(Duration.ofMinutes(2));
                    return sampler;
                });
                return new LocalStack(broker, sampler);
            } catch (Exception | Error e) {
                sampler.close();
                throw e;
            }
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Client properties that reach the stack's broker. */
    public Map<String, Object> client() {
        return client(broker.bootstrapServers());
    }

    public SamplerApp sampler() {
        return sampler;
    }

    private static Map<String, Object> client(final String bootstrapServers) {
        final Map<String, Object> client = new LinkedHashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return client;
    }

    @Override
    public void close() {
        try {
            sampler.close();
        } finally {
            broker.close();
        }
    }

    private static void clean(final Path dir) throws IOException {
        Dirs.deleteTree(dir);
        Files.createDirectories(dir);
    }
}
