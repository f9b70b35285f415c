package org.isgd.infra.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.isgd.infra.common.UsageException;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/**
 * The Kafka connection options every service command shares. Client settings are layered:
 * built-in defaults, then {@code --config FILE}, then each {@code --kafka-config k=v}; security
 * settings (security.protocol, sasl.*, ssl.*) pass through unchanged.
 */
public final class KafkaOptions {
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:ISGD_BOOTSTRAP_SERVERS:-" + DEFAULT_BOOTSTRAP + "}",
            description = "Kafka brokers to connect to (env ISGD_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file of Kafka client settings (e.g. security.protocol, sasl.jaas.config).")
    Path configFile;

    @Option(names = "--kafka-config", paramLabel = "KEY=VALUE", showDefaultValue = Visibility.NEVER,
            description = "Kafka client setting passed through unchanged; repeatable. Wins over --config.")
    Map<String, String> kafkaConfig = new LinkedHashMap<>();

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for the brokers to answer before giving up.")
    int connectTimeoutSeconds = 10;

    /** Fails fast, in one line, when no broker answers within --connect-timeout. */
    public void requireReachable() {
        requireReachable(Duration.ofSeconds(connectTimeoutSeconds));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** --config and --kafka-config merged, without bootstrap.servers. */
    public Map<String, String> overrides() {
        final Map<String, String> merged = new LinkedHashMap<>();
        if (configFile != null) {
            final Properties props = new Properties();
            try (Reader in = Files.newBufferedReader(configFile)) {
                props.load(in);
            } catch (IOException e) {
                throw new UsageException("cannot read --config " + configFile + ": " + e.getMessage());
            }
            props.stringPropertyNames().forEach(name -> merged.put(name, props.getProperty(name)));
        }
        merged.putAll(kafkaConfig);
        return merged;
    }

    /** The overrides as client properties, for APIs that take bootstrap servers separately. */
    public Map<String, Object> clientPropertiesWithoutBootstrap() {
        return new LinkedHashMap<>(overrides());
    }

    /** Client properties: bootstrap servers plus the overrides. */
    public Map<String, Object> clientProperties() {
        final Map<String, Object> props = new LinkedHashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putAll(overrides());
        return props;
    }

    /** Fails fast, in one line, when no broker answers at the bootstrap address. */
    public void requireReachable(final Duration timeout) {
        final Map<String, Object> props = new LinkedHashMap<>(clientProperties());
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new UsageException("no Kafka broker answered at " + bootstrapServers + " within "
                    + timeout.toSeconds() + " s; start one with 'infra/isgd broker' or pass --bootstrap-servers");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted while connecting to " + bootstrapServers);
        }
    }
}
