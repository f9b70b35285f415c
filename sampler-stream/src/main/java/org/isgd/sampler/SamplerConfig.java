package org.isgd.sampler;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.isgd.sampler.run.RunSettings;

/**
 * Typed sampler configuration with its defaults; {@link #streamsProperties()} turns it into
 * Kafka Streams settings. {@code kafkaConfig} passes any client or Streams setting through
 * unchanged (security.protocol, sasl.*, ssl.*, replication.factor ...) and wins over defaults.
 */
public record SamplerConfig(String bootstrapServers, String applicationId, Path stateDir, int threads,
                            long commitIntervalMs, Map<String, String> kafkaConfig, String apiEndpoint, int shards,
                            RunSettings runSettings) {
    public static final String DEFAULT_APPLICATION_ID = "isgd-sampler";
    public static final int DEFAULT_THREADS = 1;
    /** Short commits keep the acknowledgement-to-batch round trip well under a training step. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 50;

    public SamplerConfig {
        kafkaConfig = Map.copyOf(kafkaConfig);
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, was " + shards);
        }
    }

    public static SamplerConfig defaults(final String bootstrapServers, final Path stateDir) {
        return new SamplerConfig(bootstrapServers, DEFAULT_APPLICATION_ID, stateDir, DEFAULT_THREADS,
                DEFAULT_COMMIT_INTERVAL_MS, Map.of(), null, 1, RunSettings.defaults());
    }

    public SamplerConfig withApplicationId(final String id) {
        return new SamplerConfig(bootstrapServers, id, stateDir, threads, commitIntervalMs, kafkaConfig, apiEndpoint, shards, runSettings);
    }

    public SamplerConfig withKafkaConfig(final Map<String, String> overrides) {
        return new SamplerConfig(bootstrapServers, applicationId, stateDir, threads, commitIntervalMs, overrides, apiEndpoint, shards, runSettings);
    }

    /** The host:port this instance's query API answers on, advertised to the other instances. */
    public SamplerConfig withApiEndpoint(final String endpoint) {
        return new SamplerConfig(bootstrapServers, applicationId, stateDir, threads, commitIntervalMs, kafkaConfig, endpoint, shards, runSettings);
    }

    /**
     * Spread every run over {@code count} shards (the partitions of the internal topic
     * {@link #shardTopic()}), drawn from by a per-run coordinator; 1 = one task owns a dataset and
     * its runs. All instances of one application id must use the same count.
     */
    public SamplerConfig withShards(final int count) {
        return new SamplerConfig(bootstrapServers, applicationId, stateDir, threads, commitIntervalMs, kafkaConfig,
                apiEndpoint, count, runSettings);
    }

    /** How runs keep their journal and checkpoints ({@link RunSettings}: settle, checkpoints, history retention). */
    public SamplerConfig withRunSettings(final RunSettings settings) {
        return new SamplerConfig(bootstrapServers, applicationId, stateDir, threads, commitIntervalMs, kafkaConfig,
                apiEndpoint, shards, settings);
    }

    /** The sharded topology's internal topic, or null with one shard. */
    public String shardTopic() {
        return shards > 1 ? applicationId + "-" + org.isgd.sampler.topology.SamplerTopology.SHARD_EVENTS : null;
    }

    /** applicationId-host-hash(state dir): stable across restarts of this instance, distinct from every other. */
    String defaultInstanceId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        final String dir = stateDir.toAbsolutePath().normalize().toString();
        return applicationId + "-" + host + "-" + Integer.toHexString(dir.hashCode());
    }

    public Properties streamsProperties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // batches must not wait on the producer's linger; the transaction commit bounds latency anyway
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // static membership: an instance restarted after a crash takes its tasks back at once instead of
        // waiting out the dead member's session timeout; unique per instance because state dirs are
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, defaultInstanceId());
        if (apiEndpoint != null) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, apiEndpoint);
        }
        props.putAll(kafkaConfig);
        return props;
    }
}
