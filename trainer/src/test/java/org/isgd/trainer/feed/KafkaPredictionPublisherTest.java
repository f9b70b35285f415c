package org.isgd.trainer.feed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.isgd.contract.Topics;
import org.isgd.contract.Columns;
import org.isgd.schemas.PredictionBatch;
import org.isgd.trainer.train.BatchOutcome;
import org.isgd.trainer.train.TrainingBatch;
import org.junit.jupiter.api.Test;

class KafkaPredictionPublisherTest {
    private static final TrainingBatch BATCH = new TrainingBatch("run-a", 4, 1, new long[] {7, 9},
            new float[] {1f, 3f}, "upper-bound", "importance");
    private static final BatchOutcome OUTCOME = new BatchOutcome(new float[] {0.9f, 0.2f}, new float[] {0.1f, 1.6f},
            new float[] {0.15f, 0.9f}, new int[] {3, 5}, new int[] {3, 4}, 2.45f);

    @Test
    void sendsOneRecordPerBatchWithTheAcknowledgementAndAColumnPerField() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1")) {
            publisher.publish(BATCH, 12, OUTCOME);
        }
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertEquals(1, sent.size());
        final ProducerRecord<byte[], byte[]> record = sent.get(0);
        assertEquals(Topics.PREDICTION_BATCHES.name(), record.topic());
        assertEquals("run-a", Topics.PREDICTION_BATCHES.keySerde().deserializer().deserialize("", record.key()));
        final PredictionBatch batch = Topics.PREDICTION_BATCHES.valueSerde().deserializer().deserialize("", record.value());
        assertEquals("run-a", batch.getRunId());
        assertEquals(1, batch.getRank());
        assertEquals(4, batch.getBatchSeq());
        assertEquals(12, batch.getStep());
        assertEquals(2.45f, batch.getTrainLoss());
        assertEquals("trainer-1", batch.getTrainerId());
        assertEquals(2, batch.getCount());
        assertArrayEquals(BATCH.sampleIds(), Columns.longs("sampleIds", batch.getSampleIds(), 2));
        assertArrayEquals(OUTCOME.labels(), Columns.ints("labels", batch.getLabels(), 2));
        assertArrayEquals(OUTCOME.pCorrect(), Columns.floats("pCorrect", batch.getPCorrect(), 2));
        assertArrayEquals(OUTCOME.loss(), Columns.floats("loss", batch.getLoss(), 2));
        assertArrayEquals(OUTCOME.gradNormBound(), Columns.floats("gradNormBound", batch.getGradNormBound(), 2));
        assertArrayEquals(OUTCOME.predicted(), Columns.ints("predicted", batch.getPredicted(), 2));
        assertTrue(Columns.absent(batch.getPositions()), "row i is position i");
        assertTrue(Columns.absent(batch.getTrained()), "every row was trained");
    }

    @Test
    void aTransactionalPublisherCommitsBatchesWithTheirOffsetsEveryFewBatches() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        final TopicPartition batches = new TopicPartition(Topics.BATCHES.name(), 0);
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1", true, 2,
                Duration.ofMinutes(1))) {
            publisher.publish(BATCH, 12, OUTCOME);
            publisher.commit(Map.of(batches, new OffsetAndMetadata(5, "batchSeq=4")), new ConsumerGroupMetadata("g"));
            await(producer::transactionInFlight);
            assertTrue(producer.history().isEmpty(), "nothing is visible before the commit");
            publisher.publish(BATCH, 13, OUTCOME);
            publisher.commit(Map.of(batches, new OffsetAndMetadata(6, "batchSeq=5")), new ConsumerGroupMetadata("g"));
            await(producer::transactionCommitted);
            assertEquals(2, producer.history().size(), "the second batch completes the transaction");
            assertEquals("batchSeq=5", producer.consumerGroupOffsetsHistory().get(0).get("g").get(batches).metadata());
        }
    }

    @Test
    void anOpenTransactionCommitsAfterTheIntervalAndOnFlush() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        final TopicPartition batches = new TopicPartition(Topics.BATCHES.name(), 0);
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1", true, 100,
                Duration.ofMillis(50))) {
            publisher.publish(BATCH, 12, OUTCOME);
            publisher.commit(Map.of(batches, new OffsetAndMetadata(5, "batchSeq=4")), new ConsumerGroupMetadata("g"));
            await(producer::transactionCommitted);
            assertEquals(1, producer.history().size(), "committed by the interval, 1 batch of 100");
            publisher.publish(BATCH, 13, OUTCOME);
            publisher.commit(Map.of(batches, new OffsetAndMetadata(6, "batchSeq=5")), new ConsumerGroupMetadata("g"));
            publisher.flush();
            assertEquals(2, producer.history().size(), "flush commits what is open");
            assertFalse(producer.transactionInFlight());
        }
    }

    private static void await(final java.util.function.BooleanSupplier condition) {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.onSpinWait();
        }
    }

    @Test
    void aPlainPublisherRefusesToCommitOffsets() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1")) {
            assertThrows(IllegalStateException.class, () -> publisher.commit(Map.of(), new ConsumerGroupMetadata("g")));
        }
    }

    @Test
    void aFailedSendIsRethrown() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        final KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1");
        publisher.publish(BATCH, 1, OUTCOME);
        await(() -> producer.history().size() == 1);
        producer.errorNext(new RuntimeException("broker gone"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, publisher::flush);
        assertTrue(e.getMessage().contains("broker gone"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> publisher.publish(BATCH, 2, OUTCOME));
    }

    @Test
    void passesExtraPropertiesThrough() {
        final Map<String, Object> config = KafkaPredictionPublisher.producerConfig("127.0.0.1:9092",
                Map.of("sasl.mechanism", "PLAIN", ProducerConfig.LINGER_MS_CONFIG, 20));
        assertEquals("PLAIN", config.get("sasl.mechanism"));
        assertEquals(20, config.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals("all", config.get(ProducerConfig.ACKS_CONFIG));
    }
}
