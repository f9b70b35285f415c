package org.isgd.trainer.feed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.isgd.contract.Topics;
import org.isgd.schemas.IndexBatch;
import org.isgd.trainer.train.BatchTimeoutException;
import org.isgd.trainer.train.TrainingBatch;
import org.junit.jupiter.api.Test;

class KafkaBatchSourceTest {
    private static final TopicPartition PARTITION = new TopicPartition(Topics.BATCHES.name(), 0);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private long nextOffset;

    @Test
    void deliversInOrderDroppingDuplicatesAndOtherRuns() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 0, 1, 0);
        publish(batch("run-a", 0, 0), batch("run-b", 0, 0), batch("run-a", 1, 0), batch("run-a", 0, 0),
                batch("run-a", 1, 0), batch("run-a", 2, 0));
        final List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final TrainingBatch next = source.next(WAIT).orElseThrow();
            seqs.add(next.batchSeq());
            assertArrayEquals(new long[] {next.batchSeq() * 10, next.batchSeq() * 10 + 1}, next.sampleIds());
            assertArrayEquals(new float[] {0.5f, 2f}, next.weights());
        }
        assertEquals(List.of(0L, 1L, 2L), seqs);
        assertEquals(2, source.duplicatesDropped());
        assertEquals(1, source.otherRecordsSkipped());
        source.close();
    }

    @Test
    void aGapStopsTrainingNamingBothBatchSeqs() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 0, 1, 5);
        publish(batch("run-a", 5, 0), batch("run-a", 7, 0));
        assertEquals(5, source.next(WAIT).orElseThrow().batchSeq());
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> source.next(WAIT));
        assertTrue(e.getMessage().contains("expected batchSeq 6 but received 7"), e.getMessage());
        source.close();
    }

    @Test
    void aRankTakesEveryWorldSizethBatch() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 1, 2, 1);
        publish(batch("run-a", 0, 0), batch("run-a", 1, 1), batch("run-a", 2, 0), batch("run-a", 3, 1));
        assertEquals(1, source.next(WAIT).orElseThrow().batchSeq());
        assertEquals(3, source.next(WAIT).orElseThrow().batchSeq());
        assertEquals(5, source.expectedBatchSeq());
        source.close();
    }

    @Test
    void acknowledgeCommitsPastTheBatch() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 0, 1, 0);
        publish(batch("run-b", 0, 0), batch("run-a", 0, 0), batch("run-a", 1, 0));
        final TrainingBatch first = source.next(WAIT).orElseThrow();
        source.acknowledge(first);
        assertEquals(2, consumer.committed(Set.of(PARTITION)).get(PARTITION).offset());
        assertThrows(IllegalArgumentException.class, () -> source.acknowledge(first));
        source.close();
    }

    @Test
    void timesOutWithAMessageNamingTheAwaitedBatch() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 0, 1, 0);
        publish();
        final BatchTimeoutException e = assertThrows(BatchTimeoutException.class,
                () -> source.next(Duration.ofMillis(50)));
        assertTrue(e.getMessage().contains("no batch 0 for run 'run-a' rank 0"), e.getMessage());
        source.close();
    }

    @Test
    void stopMakesNextReturnEmpty() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 0, 1, 0);
        publish();
        source.stop();
        assertTrue(source.next(WAIT).isEmpty());
        source.close();
    }

    @Test
    void passesExtraPropertiesThroughButKeepsWhatCorrectnessNeeds() {
        final Map<String, Object> config = KafkaBatchSource.consumerConfig("127.0.0.1:9092",
                Map.of("security.protocol", "SASL_SSL", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"),
                "run-a", 3);
        assertEquals("SASL_SSL", config.get("security.protocol"));
        assertEquals("read_committed", config.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
        assertEquals(false, config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
        assertEquals("isgd-trainer.run-a.3", config.get(ConsumerConfig.GROUP_ID_CONFIG));
    }

    @Test
    void rejectsAStartThatIsNotThisRanks() {
        assertThrows(IllegalArgumentException.class, () -> new KafkaBatchSource(consumer, "run-a", 1, 2, 2));
    }

    private void publish(final IndexBatch... batches) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            consumer.seek(PARTITION, 0L);
            for (final IndexBatch b : batches) {
                consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, nextOffset++, b.getRunId(),
                        Topics.BATCHES.valueSerde().serializer().serialize(PARTITION.topic(), b)));
            }
        });
    }

    private static IndexBatch batch(final String runId, final long seq, final int rank) {
        return IndexBatch.newBuilder()
                .setRunId(runId)
                .setBatchSeq(seq)
                .setRank(rank)
                .setSampleIds(List.of(seq * 10, seq * 10 + 1))
                .setWeights(List.of(0.5f, 2f))
                .setProbabilities(List.of(0.1, 0.2))
                .setPolicy("upper-bound")
                .setPhase("importance")
                .setCreatedAt(0L)
                .build();
    }
}
