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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
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
    void acknowledgeRecordsTheBatchSeqInTheOffsetMetadata() {
        final KafkaBatchSource source = new KafkaBatchSource(consumer, "run-a", 1, 2, 1);
        publish(batch("run-a", 1, 1), batch("run-a", 3, 1));
        source.acknowledge(source.next(WAIT).orElseThrow());
        source.acknowledge(source.next(WAIT).orElseThrow());
        final OffsetAndMetadata committed = consumer.committed(Set.of(PARTITION)).get(PARTITION);
        assertEquals(2, committed.offset());
        assertEquals("batchSeq=3", committed.metadata());
        source.close();
    }

    @Test
    void resumeContinuesAfterTheLastAcknowledgedBatch() {
        committed(new OffsetAndMetadata(3, "batchSeq=5"));
        final KafkaBatchSource source = KafkaBatchSource.resume(consumer, "run-a", 1, 2);
        assertEquals(7, source.expectedBatchSeq());
        assertEquals(3, source.batchesBefore().getAsLong(), "batches 1, 3 and 5 were trained before");
        // batches up to the acknowledged one, should they be delivered again, are dropped, not trained
        addRecords(batch("run-a", 1, 1), batch("run-a", 3, 1), batch("run-a", 5, 1), batch("run-a", 7, 1));
        assertEquals(7, source.next(WAIT).orElseThrow().batchSeq());
        source.close();
    }

    @Test
    void resumeOfANewGroupStartsAtTheRanksFirstBatch() {
        consumer.updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, null, null, null)));
        final KafkaBatchSource source = KafkaBatchSource.resume(consumer, "run-a", 1, 2);
        assertEquals(1, source.expectedBatchSeq());
        assertEquals(0, source.batchesBefore().getAsLong());
        source.close();
    }

    @Test
    void resumeRefusesAnOffsetWithoutItsBatchSeq() {
        committed(new OffsetAndMetadata(3));
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaBatchSource.resume(consumer, "run-a", 0, 1));
        assertTrue(e.getMessage().contains("--start-batch") && e.getMessage().contains("--fresh"), e.getMessage());
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
        assertEquals("isgd-trainer.run-a.3", config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                "a static member: a restarted rank takes over at once");
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

    /** What an earlier trainer of the group committed before this one starts. */
    private void committed(final OffsetAndMetadata offset) {
        consumer.updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, null, null, null)));
        consumer.subscribe(List.of(PARTITION.topic()));
        consumer.rebalance(List.of(PARTITION));
        consumer.commitSync(Map.of(PARTITION, offset));
    }

    /** Records from offset 0 on; the consumer starts at its committed offset. */
    private void addRecords(final IndexBatch... batches) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
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
