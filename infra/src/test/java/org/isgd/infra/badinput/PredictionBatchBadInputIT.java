package org.isgd.infra.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.contract.Topics;
import org.isgd.infra.testing.KafkaBackend;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SampleRegistered;
import org.junit.jupiter.api.Test;

/**
 * The batched record's bad input, against a running sampler on a real broker: a trainer answers
 * every batch of a run, and before each answer throws bad prediction batches of every kind at
 * the sampler. Each bad record is a dead letter with its reason, the rows of a batch that are
 * fine are applied while its bad rows are refused, a repeated batch is ignored and counted, every
 * batch is acknowledged exactly once, and the sampler keeps running.
 */
class PredictionBatchBadInputIT {
    private static final Path WORK = Path.of("target", "it-bad-batches", UUID.randomUUID().toString());
    private static final String DATASET = "bad-batches";
    private static final String RUN = "bad-batches-run";
    private static final int SAMPLES = 300;
    private static final int BATCH = 8;
    private static final int BATCHES = 150;
    private static final AvroSerde<PredictionBatch> SERDE = AvroSerde.of(PredictionBatch.class);

    private final Random random = new Random(20261129);

    /** One kind of bad record, made from the answer to the batch in hand; the reason kind expected back. */
    private record Kind(String name, String reason, Function<PredictionBatch, ProducerRecord<byte[], byte[]>> make) {
    }

    @Test
    void badPredictionBatchesBecomeDeadLettersAndTheGoodRowsAndAcknowledgementsApply() throws Exception {
        try (KafkaBackend broker = KafkaBackend.start(WORK.resolve("broker"))) {
            final Map<String, Object> client = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()));
            TopicSetup.ensureTopics(client);
            try (SamplerApp sampler = SamplerApp.start(SamplerConfig.defaults(broker.bootstrapServers(),
                    WORK.resolve("state")).withApplicationId("bad-batches-it"));
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(),
                         new ByteArraySerializer());
                 KafkaConsumer<String, byte[]> batches = batchConsumer(client)) {
                sampler.awaitRunning(Duration.ofSeconds(60));
                for (long id = 0; id < SAMPLES; id++) {
                    producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), ByteBuffer.allocate(8).putLong(id).array(),
                            Topics.SAMPLES.valueSerde().serializer().serialize(null,
                                    new SampleRegistered(id, DATASET, label(id), null, 0L))));
                }
                final RunSpec spec = RunSpec.newBuilder().setRunId(RUN).setDataset(DATASET).setPolicy("uniform")
                        .setParams(Map.of()).setBatchSize(BATCH).setLead(2).setBudgetBatches((long) BATCHES)
                        .setMinPopulation((long) SAMPLES).build();
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), RUN.getBytes(StandardCharsets.UTF_8),
                        Topics.RUNS.valueSerde().serializer().serialize(null, spec))).get();

                final List<Kind> kinds = kinds();
                final Map<String, Integer> expected = new TreeMap<>();
                final Map<String, Integer> sent = new TreeMap<>();
                final List<ProducerRecord<byte[], byte[]>> answered = new ArrayList<>();
                int goodRows = 0;
                int repeats = 0;
                long next = 0;
                final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (next < BATCHES) {
                    assertTrue(System.nanoTime() < deadline, "batch " + next + " did not come");
                    for (final ConsumerRecord<String, byte[]> record : batches.poll(Duration.ofMillis(200))) {
                        final IndexBatchCodec.Batch batch = IndexBatchCodec.decode(record.value());
                        assertEquals(next, batch.batchSeq(), "every batch once, in order");
                        next++;
                        final PredictionBatch answer = answer(batch);
                        for (int i = random.nextInt(3); i > 0; i--) { // bad records first: none acknowledges
                            final Kind kind = kinds.get(random.nextInt(kinds.size()));
                            producer.send(kind.make().apply(answer));
                            expected.merge(kind.reason(), 1, Integer::sum);
                            sent.merge(kind.name(), 1, Integer::sum);
                        }
                        if (batch.batchSeq() % 5 == 4) { // a batch with bad rows: the good ones apply, the batch is acknowledged
                            final int bad = 1 + random.nextInt(BATCH - 1);
                            producer.send(record(withBadRows(answer, bad)));
                            goodRows += BATCH - bad;
                            expected.merge(bad % 3 == 0 ? "label-mismatch" : bad % 3 == 1 ? "invalid-field"
                                    : "unknown-sample", 1, Integer::sum);
                            sent.merge("batch with bad rows", 1, Integer::sum);
                        } else {
                            final ProducerRecord<byte[], byte[]> good = record(answer);
                            producer.send(good);
                            answered.add(good);
                            goodRows += BATCH;
                        }
                        if (answered.size() > 3 && random.nextInt(4) == 0) { // a redelivery of an earlier answer
                            producer.send(answered.get(random.nextInt(answered.size() - 1)));
                            repeats++;
                        }
                    }
                }
                producer.flush();
                final int rows = goodRows;
                final int letters = expected.values().stream().mapToInt(Integer::intValue).sum();
                final int duplicates = repeats;
                awaitCondition(() -> sampler.metrics().predictionsApplied() >= rows
                        && sampler.metrics().duplicatesIgnored() >= duplicates
                        && sampler.metrics().deadLetters().values().stream().mapToLong(Long::longValue).sum() >= letters,
                        "every good row applied, every repeat ignored, every bad record refused");
                System.out.printf("bad prediction batches sent by kind: %s%ndead letters by reason: %s%n"
                        + "repeats ignored: %d; rows applied: %d of %d%n", sent, sampler.metrics().deadLetters(),
                        sampler.metrics().duplicatesIgnored(), sampler.metrics().predictionsApplied(), rows);

                assertEquals(KafkaStreams.State.RUNNING, sampler.state(), "the sampler keeps running");
                assertEquals(rows, sampler.metrics().predictionsApplied(), "every good row applied once");
                assertEquals(repeats, sampler.metrics().duplicatesIgnored());
                assertEquals(rows, sampler.sampleStates(RUN).values().stream().mapToInt(SampleState::visits).sum());
                assertEquals(expected, toIntMap(sampler.metrics().deadLetters()));
                assertEquals(expected, deadLetterReasons(client, letters), "each bad record refused once, whole");
                assertTrue(sent.size() >= 10, "every kind was tried: " + sent.keySet());
            }
        }
    }

    private List<Kind> kinds() {
        return List.of(
                new Kind("garbage bytes", "malformed", a -> record(RUN, bytes(1 + random.nextInt(80)))),
                new Kind("truncated", "malformed", a -> {
                    final byte[] value = SERDE.encode(a);
                    return record(RUN, Arrays.copyOf(value, 10 + random.nextInt(value.length - 12)));
                }),
                new Kind("columns of different lengths", "malformed", a -> record(copy(a)
                        .setPCorrect(Columns.ofFloats(new float[a.getCount() - 1])).build())),
                new Kind("a count the columns do not have", "malformed", a -> record(copy(a)
                        .setCount(a.getCount() + 1).build())),
                new Kind("a trained flag other than 0 or 1", "malformed", a -> {
                    final boolean[] flags = new boolean[a.getCount()];
                    final ByteBuffer column = Columns.ofFlags(flags);
                    column.put(random.nextInt(a.getCount()), (byte) 2);
                    return record(copy(a).setTrained(column).build());
                }),
                new Kind("an empty batch", "empty-batch", a -> record(copy(a).setCount(0)
                        .setSampleIds(Columns.ofLongs(new long[0])).setLabels(Columns.ofInts(new int[0]))
                        .setPCorrect(Columns.ofFloats(new float[0])).setLoss(Columns.ofFloats(new float[0]))
                        .setGradNormBound(Columns.ofFloats(new float[0])).setPredicted(Columns.ofInts(new int[0]))
                        .build())),
                new Kind("an oversized batch", "oversized", a -> record(rows(a, 64 * BATCH + 1 + random.nextInt(500)))),
                new Kind("a batchSeq never emitted", "bad-ack", a -> record(copy(a)
                        .setBatchSeq(a.getBatchSeq() + 50 + random.nextInt(1000)).build())),
                new Kind("a rank outside worldSize", "bad-ack", a -> record(copy(a).setRank(1 + random.nextInt(5)).build())),
                new Kind("an unknown run", "unknown-run", a -> {
                    final String ghost = "ghost-" + random.nextInt(9);
                    return record(ghost, SERDE.encode(copy(a).setRunId(ghost).build()));
                }),
                new Kind("a key that is not the runId", "key-mismatch", a -> new ProducerRecord<>(
                        Topics.PREDICTION_BATCHES.name(), "other".getBytes(StandardCharsets.UTF_8), SERDE.encode(a))),
                new Kind("a per-sample prediction on the batch topic", "malformed", a -> record(RUN,
                        Topics.PREDICTIONS.valueSerde().serializer().serialize(null, new org.isgd.schemas.SamplePrediction(
                                RUN, 1L, 0L, 0L, 1, 0.5f, 0.7f, 0.7f, 1, "x", 0, 0L)))));
    }

    /** What a trainer sends for {@code batch}: a made-up prediction per sample. */
    private PredictionBatch answer(final IndexBatchCodec.Batch batch) {
        final int n = batch.size();
        final int[] labels = new int[n];
        final float[] p = new float[n];
        final float[] loss = new float[n];
        final int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = label(batch.sampleIds()[i]);
            p[i] = 0.05f + 0.9f * random.nextFloat();
            loss[i] = (float) -Math.log(p[i]);
            predicted[i] = labels[i];
        }
        return PredictionBatch.newBuilder().setRunId(RUN).setRank(batch.rank()).setBatchSeq(batch.batchSeq())
                .setStep(batch.batchSeq() + 1).setTrainLoss(0.5f).setTrainerId("bad-batches-it")
                .setTimestamp(System.currentTimeMillis()).setCount(n).setSampleIds(Columns.ofLongs(batch.sampleIds()))
                .setLabels(Columns.ofInts(labels)).setPCorrect(Columns.ofFloats(p)).setLoss(Columns.ofFloats(loss))
                .setGradNormBound(Columns.ofFloats(p)).setPredicted(Columns.ofInts(predicted)).build();
    }

    /** The answer with its first {@code bad} rows spoiled, all the same way: each row is refused alone. */
    private static PredictionBatch withBadRows(final PredictionBatch answer, final int bad) {
        final int n = answer.getCount();
        final long[] ids = Columns.longs("sampleIds", answer.getSampleIds(), n);
        final int[] labels = Columns.ints("labels", answer.getLabels(), n);
        final float[] p = Columns.floats("pCorrect", answer.getPCorrect(), n);
        for (int i = 0; i < bad; i++) {
            switch (bad % 3) {
                case 0 -> labels[i] = (labels[i] + 1) % 10;
                case 1 -> p[i] = Float.NaN;
                default -> ids[i] = SAMPLES + i;
            }
        }
        return copy(answer).setSampleIds(Columns.ofLongs(ids)).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(p)).build();
    }

    /** The answer with {@code n} rows (its rows repeated). */
    private static PredictionBatch rows(final PredictionBatch answer, final int n) {
        final int have = answer.getCount();
        final long[] ids = Columns.longs("sampleIds", answer.getSampleIds(), have);
        final long[] more = new long[n];
        final int[] labels = new int[n];
        final float[] p = new float[n];
        final int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            more[i] = ids[i % have];
            labels[i] = label(more[i]);
            p[i] = 0.5f;
            predicted[i] = labels[i];
        }
        return copy(answer).setCount(n).setSampleIds(Columns.ofLongs(more)).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(p)).setLoss(Columns.ofFloats(p)).setGradNormBound(Columns.ofFloats(p))
                .setPredicted(Columns.ofInts(predicted)).build();
    }

    private static PredictionBatch.Builder copy(final PredictionBatch answer) {
        return PredictionBatch.newBuilder(answer);
    }

    private static ProducerRecord<byte[], byte[]> record(final PredictionBatch value) {
        return record(value.getRunId(), SERDE.encode(value));
    }

    private static ProducerRecord<byte[], byte[]> record(final String runId, final byte[] value) {
        return new ProducerRecord<>(Topics.PREDICTION_BATCHES.name(), runId.getBytes(StandardCharsets.UTF_8), value);
    }

    private byte[] bytes(final int n) {
        final byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static int label(final long id) {
        return (int) (id % 10);
    }

    private static KafkaConsumer<String, byte[]> batchConsumer(final Map<String, Object> client) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.StringDeserializer(), new ByteArrayDeserializer());
        final List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(Topics.BATCHES.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static Map<String, Integer> toIntMap(final Map<String, Long> counts) {
        final Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.intValue()));
        return out;
    }

    private static Map<String, Integer> deadLetterReasons(final Map<String, Object> client, final int expected) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final Map<String, Integer> byReason = new TreeMap<>();
        try (KafkaConsumer<byte[], org.isgd.schemas.DeadLetter> consumer = new KafkaConsumer<>(config,
                new ByteArrayDeserializer(), Topics.DEAD_LETTERS.valueSerde().deserializer())) {
            final List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.DEAD_LETTERS.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(),
                    p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int seen = 0;
            while (seen < expected && System.nanoTime() < deadline) {
                for (final ConsumerRecord<byte[], org.isgd.schemas.DeadLetter> record : consumer.poll(Duration.ofMillis(200))) {
                    final String error = record.value().getError();
                    byReason.merge(error.substring(0, Math.max(0, error.indexOf(':'))), 1, Integer::sum);
                    assertEquals(Topics.PREDICTION_BATCHES.name(), record.value().getTopic(), error);
                    assertTrue(record.value().getOffset() >= 0, "the dead letter says where the record was: " + error);
                    seen++;
                }
            }
            for (final ConsumerRecord<byte[], org.isgd.schemas.DeadLetter> record : consumer.poll(Duration.ofSeconds(1))) {
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
