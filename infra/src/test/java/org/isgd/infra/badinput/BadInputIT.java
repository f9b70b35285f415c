package org.isgd.infra.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated bad records, of every kind the sampler must survive, interleaved with
 * good predictions, thrown at a running sampler on a real broker: every bad record is a dead
 * letter with its reason (or, for harmless redeliveries, ignored and counted), every good one
 * is applied, and the sampler keeps running.
 */
class BadInputIT {
    private static final Path WORK = Path.of("target", "it-bad-input", UUID.randomUUID().toString());
    private static final String DATASET = "bad-input";
    private static final String RUN = "bad-input-run";
    private static final int SAMPLES = 400;
    private static final int GOOD = 2000;
    private static final int BAD = 3000;
    private static final AvroSerde<SamplePrediction> PREDICTIONS = AvroSerde.of(SamplePrediction.class);

    private final Random random = new Random(20261122);
    private long goodSeq;

    /** One kind of bad record: the topic it goes to and the reason kind expected back (null: ignored, counted). */
    private record Kind(String name, String expectedReason, Supplier<ProducerRecord<byte[], byte[]>> make) {
    }

    @Test
    void badRecordsBecomeDeadLettersAndEveryGoodRecordIsProcessed() throws Exception {
        try (KafkaBackend broker = KafkaBackend.start(WORK.resolve("broker"))) {
            final Map<String, Object> client = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()));
            TopicSetup.ensureTopics(client);
            try (SamplerApp sampler = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(), WORK.resolve("state"))
                    .withApplicationId("bad-input-it"));
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(),
                         new ByteArraySerializer())) {
                sampler.awaitRunning(Duration.ofSeconds(60));
                for (long id = 0; id < SAMPLES; id++) {
                    send(producer, Topics.SAMPLES.name(), key(id), Topics.SAMPLES.valueSerde().serializer()
                            .serialize(null, new SampleRegistered(id, DATASET, label(id), null, 0L)));
                }
                final RunSpec spec = RunSpec.newBuilder().setRunId(RUN).setDataset(DATASET).setPolicy("uniform")
                        .setParams(Map.of()).setBatchSize(8).setLead(2).setMinPopulation((long) SAMPLES).build();
                send(producer, Topics.RUNS.name(), RUN.getBytes(), Topics.RUNS.valueSerde().serializer().serialize(null, spec));
                awaitCondition(() -> sampler.metrics().batchesEmitted() >= 2, "the run to start");

                final List<Kind> kinds = kinds();
                final Map<String, Integer> sent = new TreeMap<>();
                final Map<String, Integer> expectedByReason = new TreeMap<>();
                int ignored = 0;
                int good = 0;
                for (long id = 0; id < SAMPLES; id++) { // every sample has a state before any redelivery of it
                    final SamplePrediction p = good(id);
                    p.setBatchSeq(++goodSeq);
                    producer.send(prediction(key(id), encode(p)));
                    good++;
                }
                for (int i = 0; i < GOOD - SAMPLES + BAD; i++) {
                    if (good < GOOD && random.nextInt(GOOD - SAMPLES + BAD) < GOOD - SAMPLES) {
                        producer.send(goodPrediction());
                        good++;
                        continue;
                    }
                    final Kind kind = kinds.get(random.nextInt(kinds.size()));
                    producer.send(kind.make().get());
                    sent.merge(kind.name(), 1, Integer::sum);
                    if (kind.expectedReason() == null) {
                        ignored++;
                    } else {
                        expectedByReason.merge(kind.expectedReason(), 1, Integer::sum);
                    }
                }
                while (good < GOOD) {
                    producer.send(goodPrediction());
                    good++;
                }
                producer.flush();

                final int expectedLetters = expectedByReason.values().stream().mapToInt(Integer::intValue).sum();
                awaitCondition(() -> sampler.metrics().predictionsApplied() >= GOOD
                        && sampler.metrics().deadLetters().values().stream().mapToLong(Long::longValue).sum() >= expectedLetters,
                        "every good prediction applied and every bad record refused");
                final int duplicates = ignored;
                awaitCondition(() -> sampler.metrics().duplicatesIgnored() >= duplicates, "redeliveries to be counted");

                System.out.printf("bad records sent by kind: %s%ndead letters by reason (metric): %s%n"
                        + "ignored as redelivered or late: %d; good predictions applied: %d of %d%n", sent,
                        sampler.metrics().deadLetters(), sampler.metrics().duplicatesIgnored(),
                        sampler.metrics().predictionsApplied(), GOOD);

                assertEquals(KafkaStreams.State.RUNNING, sampler.state(), "the sampler keeps running");
                assertEquals(GOOD, sampler.metrics().predictionsApplied(), "no good record lost, none applied twice");
                assertEquals(ignored, sampler.metrics().duplicatesIgnored());
                final int visits = sampler.sampleStates(RUN).values().stream().mapToInt(SampleState::visits).sum();
                assertEquals(GOOD, visits, "the store counts exactly the good predictions");
                assertEquals(expectedByReason, toIntMap(sampler.metrics().deadLetters()));
                assertEquals(expectedByReason, deadLettersByReason(client, expectedLetters),
                        "isgd.dead-letters holds each refused record once, with its reason");
                assertTrue(sent.size() >= 15, "every kind was tried: " + sent.keySet());
            }
        }
    }

    private List<Kind> kinds() {
        return List.of(
                new Kind("garbage bytes", "malformed", () -> prediction(key(any()), randomBytes(1 + random.nextInt(60)))),
                new Kind("wrong marker", "malformed", () -> {
                    final byte[] bytes = encode(good(any()));
                    bytes[0] = 0x00;
                    return prediction(key(any()), bytes);
                }),
                new Kind("unknown fingerprint", "malformed", () -> {
                    final byte[] bytes = encode(good(any()));
                    bytes[2 + random.nextInt(8)] ^= (byte) (1 + random.nextInt(255));
                    return prediction(key(any()), bytes);
                }),
                new Kind("truncated avro", "malformed", () -> {
                    final byte[] bytes = encode(good(any()));
                    return prediction(key(any()), Arrays.copyOf(bytes, 10 + random.nextInt(bytes.length - 12)));
                }),
                new Kind("NaN pCorrect", "invalid-field", () -> bad(p -> p.setPCorrect(Float.NaN))),
                new Kind("infinite loss", "invalid-field", () -> bad(p -> p.setLoss(Float.POSITIVE_INFINITY))),
                new Kind("negative pCorrect", "invalid-field", () -> bad(p -> p.setPCorrect(-0.5f))),
                new Kind("pCorrect above 1", "invalid-field", () -> bad(p -> p.setPCorrect(1.5f))),
                new Kind("negative gradNormBound", "invalid-field", () -> bad(p -> p.setGradNormBound(-1f))),
                new Kind("negative sampleId", "invalid-field", () -> {
                    final SamplePrediction p = good(any());
                    p.setSampleId(-1 - random.nextInt(1000));
                    return prediction(key(p.getSampleId()), encode(p));
                }),
                new Kind("unknown runId", "unknown-run", () -> bad(p -> p.setRunId("no-such-run-" + random.nextInt(9)))),
                new Kind("unknown sampleId", "unknown-sample", () -> {
                    final SamplePrediction p = good(SAMPLES + random.nextInt(100_000));
                    return prediction(key(p.getSampleId()), encode(p));
                }),
                new Kind("label mismatch", "label-mismatch", () -> bad(p -> p.setLabel((p.getLabel() + 1) % 10))),
                new Kind("key mismatch", "key-mismatch", () -> {
                    final SamplePrediction p = good(any());
                    return prediction(key(p.getSampleId() + 1), encode(p));
                }),
                new Kind("oversized value", "oversized", () -> prediction(key(any()), new byte[70_000 + random.nextInt(50_000)])),
                new Kind("malformed RunSpec", "malformed", () -> new ProducerRecord<>(Topics.RUNS.name(),
                        ("bad-spec-" + random.nextInt(1000)).getBytes(), randomBytes(5 + random.nextInt(40)))),
                new Kind("progress for unknown run", "unknown-run", () -> new ProducerRecord<>(Topics.PROGRESS.name(),
                        "ghost".getBytes(), Topics.PROGRESS.valueSerde().serializer().serialize(null,
                                new TrainerProgress("ghost", 0, 1L, 1L, 0f, 0L)))),
                new Kind("progress with a bad rank", "bad-ack", () -> new ProducerRecord<>(Topics.PROGRESS.name(),
                        RUN.getBytes(), Topics.PROGRESS.valueSerde().serializer().serialize(null,
                                new TrainerProgress(RUN, 5 + random.nextInt(5), 0L, 1L, 0f, 0L)))),
                new Kind("redelivered prediction", null, () -> {
                    final SamplePrediction p = good(any());
                    p.setBatchSeq(0L); // older than the state every sample has by now
                    p.setPosition(0);
                    return prediction(key(p.getSampleId()), encode(p));
                }));
    }

    /** A prediction that is applied: each sample's (batchSeq, position) increases. */
    private ProducerRecord<byte[], byte[]> goodPrediction() {
        final SamplePrediction p = good(any());
        p.setBatchSeq(++goodSeq);
        return prediction(key(p.getSampleId()), encode(p));
    }

    private ProducerRecord<byte[], byte[]> bad(final java.util.function.Consumer<SamplePrediction> spoil) {
        final SamplePrediction p = good(any());
        spoil.accept(p);
        return prediction(key(p.getSampleId()), encode(p));
    }

    private SamplePrediction good(final long id) {
        final float pCorrect = 0.05f + 0.9f * random.nextFloat();
        return new SamplePrediction(RUN, id, 1_000_000L, 1L, label(id), pCorrect, (float) -Math.log(pCorrect),
                1 - pCorrect, label(id), "bad-input-it", 1, System.currentTimeMillis());
    }

    private long any() {
        return random.nextInt(SAMPLES);
    }

    private static int label(final long id) {
        return (int) (id % 10);
    }

    private static byte[] encode(final SamplePrediction p) {
        return PREDICTIONS.encode(p);
    }

    private static byte[] key(final long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    private byte[] randomBytes(final int n) {
        final byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static ProducerRecord<byte[], byte[]> prediction(final byte[] key, final byte[] value) {
        return new ProducerRecord<>(Topics.PREDICTIONS.name(), key, value);
    }

    private static void send(final KafkaProducer<byte[], byte[]> producer, final String topic, final byte[] key,
                             final byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static Map<String, Integer> toIntMap(final Map<String, Long> counts) {
        final Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.intValue()));
        return out;
    }

    private static Map<String, Integer> deadLettersByReason(final Map<String, Object> client, final int expected) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final Map<String, Integer> byReason = new TreeMap<>();
        try (KafkaConsumer<byte[], DeadLetter> consumer = new KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                Topics.DEAD_LETTERS.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.DEAD_LETTERS.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int seen = 0;
            while (seen < expected && System.nanoTime() < deadline) {
                for (final ConsumerRecord<byte[], DeadLetter> record : consumer.poll(Duration.ofMillis(200))) {
                    final String error = record.value().getError();
                    byReason.merge(error.substring(0, Math.max(0, error.indexOf(':'))), 1, Integer::sum);
                    seen++;
                }
            }
            // anything beyond the expected count would be a record refused twice
            for (final ConsumerRecord<byte[], DeadLetter> record : consumer.poll(Duration.ofSeconds(1))) {
                final String error = record.value().getError();
                byReason.merge(error.substring(0, Math.max(0, error.indexOf(':'))), 1, Integer::sum);
            }
        }
        return byReason;
    }

    private static void awaitCondition(final java.util.function.BooleanSupplier condition, final String what)
            throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
