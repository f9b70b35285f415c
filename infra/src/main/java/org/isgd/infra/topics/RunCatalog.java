package org.isgd.infra.topics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.contract.Topics;
import org.isgd.infra.common.UsageException;
import org.isgd.schemas.RunSpec;

/** Run specs on the compacted isgd.runs topic: the latest of every run, and publishing one. */
public final class RunCatalog {
    private RunCatalog() {
    }

    public static Map<String, RunSpec> read(final Map<String, Object> props) {
        final Map<String, RunSpec> runs = new LinkedHashMap<>();
        for (final ConsumerRecord<byte[], byte[]> record : Clients.readAll(props, Topics.RUNS.name(), Duration.ofSeconds(15))) {
            if (record.key() == null) {
                continue;
            }
            final String runId = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                runs.remove(runId);
                continue;
            }
            try {
                runs.put(runId, Topics.RUNS.valueSerde().deserializer().deserialize(Topics.RUNS.name(), record.value()));
            } catch (SerializationException e) {
                System.err.println("isgd: skipping unreadable run spec at offset " + record.offset() + ": " + e.getMessage());
            }
        }
        return runs;
    }

    public static RunSpec require(final Map<String, Object> props, final String runId) {
        final RunSpec spec = read(props).get(runId);
        if (spec == null) {
            throw new UsageException("no run '" + runId + "'; list runs with 'infra/isgd run list'");
        }
        return spec;
    }

    /** Publishes {@code spec} as its run's latest spec and waits for the broker's acknowledgement. */
    public static void publish(final Map<String, Object> props, final RunSpec spec)
            throws InterruptedException, ExecutionException {
        try (KafkaProducer<String, RunSpec> producer = Clients.producer(props, Topics.RUNS)) {
            producer.send(new ProducerRecord<>(Topics.RUNS.name(), spec.getRunId(), spec)).get();
        }
    }
}
