package org.isgd.trainer.feed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.isgd.contract.Columns;
import org.isgd.contract.Topics;
import org.isgd.schemas.IrreducibleLosses;

/**
 * Irreducible losses on {@code isgd.irreducible-losses} (RHO-LOSS): {@link #publish} writes a
 * dataset's in chunks, {@link #read} gathers them into an array by sample id. A later record's
 * value for a sample replaces an earlier one.
 */
public final class ReferenceLosses {
    /** Rows per record: 32,768 rows are 384 KiB, well under the broker's 1 MiB record limit. */
    public static final int CHUNK = 32_768;

    private ReferenceLosses() {
    }

    /** Publishes {@code losses[i]} as sample {@code ids[i]}'s irreducible loss in {@code dataset}; waits until written. */
    public static void publish(final String bootstrapServers, final Map<String, Object> extraProperties,
                               final String dataset, final String model, final long[] ids, final float[] losses) {
        if (ids.length != losses.length) {
            throw new IllegalArgumentException(ids.length + " sample ids but " + losses.length + " losses");
        }
        final Map<String, Object> config = new HashMap<>(extraProperties);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // one request at a time: the topic may have been created a moment ago (KAFKA-15591)
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        final byte[] key = dataset.getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int from = 0; from < ids.length; from += CHUNK) {
                final int to = Math.min(ids.length, from + CHUNK);
                final IrreducibleLosses record = IrreducibleLosses.newBuilder().setDataset(dataset).setModel(model)
                        .setCreatedAt(System.currentTimeMillis()).setCount(to - from)
                        .setSampleIds(Columns.ofLongs(Arrays.copyOfRange(ids, from, to)))
                        .setLosses(Columns.ofFloats(Arrays.copyOfRange(losses, from, to))).build();
                producer.send(new ProducerRecord<>(Topics.IRREDUCIBLE_LOSSES.name(), key,
                        Topics.IRREDUCIBLE_LOSSES.valueSerde().serializer().serialize(null, record))).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing irreducible losses", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing irreducible losses of " + dataset + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The irreducible losses of {@code dataset}'s samples 0..size−1 as published so far (NaN where
     * none was), read to the end of the topic; records of other datasets and sample ids outside
     * the range are skipped.
     *
     * @throws IllegalStateException when the topic cannot be read within {@code timeout}
     */
    public static float[] read(final String bootstrapServers, final Map<String, Object> extraProperties,
                               final String dataset, final int size, final Duration timeout) {
        final float[] losses = new float[size];
        Arrays.fill(losses, Float.NaN);
        final Map<String, Object> config = new HashMap<>(extraProperties);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "isgd-reference-losses-" + UUID.randomUUID());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(Topics.IRREDUCIBLE_LOSSES.name(), timeout)
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.IRREDUCIBLE_LOSSES.name() + " does not exist: "
                        + "run 'infra/isgd topics' (or start the sampler), then 'infra/isgd irreducible'");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + Topics.IRREDUCIBLE_LOSSES.name() + " took longer than "
                            + timeout.toSeconds() + " s");
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !dataset.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    final IrreducibleLosses chunk = Topics.IRREDUCIBLE_LOSSES.valueSerde().deserializer()
                            .deserialize(r.topic(), r.value());
                    final long[] ids = Columns.longs("sampleIds", chunk.getSampleIds(), chunk.getCount());
                    final float[] values = Columns.floats("losses", chunk.getLosses(), chunk.getCount());
                    for (int i = 0; i < ids.length; i++) {
                        if (ids[i] >= 0 && ids[i] < size) {
                            losses[(int) ids[i]] = values[i];
                        }
                    }
                }
            }
        }
        return losses;
    }
}
