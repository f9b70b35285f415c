package org.isgd.trainer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;
import org.isgd.trainer.train.BatchOutcome;
import org.isgd.trainer.train.TrainingBatch;
import org.junit.jupiter.api.Test;

class KafkaPredictionPublisherTest {
    private static final TrainingBatch BATCH = new TrainingBatch("run-a", 4, 1, new long[] {7, 9},
            new float[] {1f, 3f}, "upper-bound", "importance");
    private static final BatchOutcome OUTCOME = new BatchOutcome(new float[] {0.9f, 0.2f}, new float[] {0.1f, 1.6f},
            new float[] {0.15f, 0.9f}, new int[] {3, 5}, new int[] {3, 4}, 2.45f);

    @Test
    void sendsOnePredictionPerSampleThenOneProgress() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1")) {
            publisher.publish(BATCH, 12, OUTCOME);
        }
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertEquals(3, sent.size());
        for (int i = 0; i < 2; i++) {
            final ProducerRecord<byte[], byte[]> record = sent.get(i);
            assertEquals(Topics.PREDICTIONS.name(), record.topic());
            assertEquals(BATCH.sampleIds()[i], Topics.PREDICTIONS.keySerde().deserializer().deserialize("", record.key()));
            final SamplePrediction p = Topics.PREDICTIONS.valueSerde().deserializer().deserialize("", record.value());
            assertEquals("run-a", p.getRunId());
            assertEquals(4, p.getBatchSeq());
            assertEquals(12, p.getStep());
            assertEquals(OUTCOME.labels()[i], p.getLabel());
            assertEquals(OUTCOME.pCorrect()[i], p.getPCorrect());
            assertEquals(OUTCOME.loss()[i], p.getLoss());
            assertEquals(OUTCOME.gradNormBound()[i], p.getGradNormBound());
            assertEquals(OUTCOME.predicted()[i], p.getPredicted());
            assertEquals("trainer-1", p.getTrainerId());
        }
        final ProducerRecord<byte[], byte[]> last = sent.get(2);
        assertEquals(Topics.PROGRESS.name(), last.topic());
        assertEquals("run-a", Topics.PROGRESS.keySerde().deserializer().deserialize("", last.key()));
        final TrainerProgress progress = Topics.PROGRESS.valueSerde().deserializer().deserialize("", last.value());
        assertEquals(1, progress.getRank());
        assertEquals(4, progress.getBatchSeq());
        assertEquals(12, progress.getStep());
        assertEquals(2.45f, progress.getTrainLoss());
    }

    @Test
    void aTransactionalPublisherCommitsABatchTogetherWithItsOffset() {
        final MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        final TopicPartition batches = new TopicPartition(Topics.BATCHES.name(), 0);
        try (KafkaPredictionPublisher publisher = new KafkaPredictionPublisher(producer, "trainer-1", true)) {
            publisher.publish(BATCH, 12, OUTCOME);
            assertTrue(producer.transactionInFlight());
            assertTrue(producer.history().isEmpty(), "nothing is visible before the commit");
            publisher.commit(Map.of(batches, new OffsetAndMetadata(5, "batchSeq=4")), new ConsumerGroupMetadata("g"));
            assertTrue(producer.transactionCommitted());
        }
        assertEquals(3, producer.history().size());
        assertEquals("batchSeq=4", producer.consumerGroupOffsetsHistory().get(0).get("g").get(batches).metadata());
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
        producer.errorNext(new RuntimeException("broker gone"));
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> publisher.publish(BATCH, 2, OUTCOME));
        assertTrue(e.getMessage().contains("broker gone"), e.getMessage());
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
