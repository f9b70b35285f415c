package org.isgd.infra.testing;

import java.nio.file.Path;
import java.util.Locale;
import org.isgd.infra.broker.EmbeddedBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Where an integration test gets its Kafka: the embedded KRaft broker (the default), or a real
 * Kafka distribution in a container ({@code apache/kafka}, through Testcontainers) when the
 * system property {@code isgd.it.kafka} or the environment variable {@code ISGD_IT_KAFKA} says
 * {@code container}. Asking for a container without a Docker engine fails the test with a
 * message saying so; {@link #containersAvailable()} lets container-only tests skip instead.
 */
public final class KafkaBackend implements AutoCloseable {
    /** The image the container backend runs: the Kafka release the project's clients are built against. */
    public static final String IMAGE = "apache/kafka:" + org.apache.kafka.common.utils.AppInfoParser.getVersion();
    public static final String PROPERTY = "isgd.it.kafka";
    public static final String ENV = "ISGD_IT_KAFKA";

    private final EmbeddedBroker broker;
    private final KafkaContainer container;

    private KafkaBackend(final EmbeddedBroker broker, final KafkaContainer container) {
        this.broker = broker;
        this.container = container;
    }

    /** The backend the property or the environment names; the embedded broker in {@code dir} by default. */
    public static KafkaBackend start(final Path dir) {
        final String chosen = System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, "embedded"))
                .toLowerCase(Locale.ROOT);
        return switch (chosen) {
            case "embedded" -> new KafkaBackend(EmbeddedBroker.start(0, dir), null);
            case "container" -> container();
            default -> throw new IllegalArgumentException(PROPERTY + " / " + ENV + " must be 'embedded' or 'container', "
                    + "was '" + chosen + "'");
        };
    }

    /** A Kafka container (needs a Docker engine that can pull {@link #IMAGE}). */
    public static KafkaBackend container() {
        if (!containersAvailable()) {
            throw new IllegalStateException(PROPERTY + "=container, but no Docker engine was found: start one, or run "
                    + "the tests against the embedded broker (the default)");
        }
        final KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(IMAGE));
        kafka.start();
        return new KafkaBackend(null, kafka);
    }

    /** Whether a Docker engine answers (Testcontainers' own check). */
    public static boolean containersAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    public String bootstrapServers() {
        return broker != null ? broker.bootstrapServers() : container.getBootstrapServers();
    }

    /** "embedded" or "container". */
    public String kind() {
        return broker != null ? "embedded" : "container";
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        } else {
            container.stop();
        }
    }

    @Override
    public String toString() {
        return "KafkaBackend[" + kind() + " at " + bootstrapServers() + "]";
    }
}
