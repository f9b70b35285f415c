package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.Topics;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SampleRegistered;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dataset task's processor alone: its population log and each run's cursor into it. */
class PopulationProcessorTest {
    private final SamplerMetrics metrics = new SamplerMetrics();
    private MockProcessorContext<String, SamplerEvent> context;
    private KeyValueStore<String, byte[]> global;
    private PopulationProcessor processor;

    @BeforeEach
    void init() {
        context = MockContexts.withStores("population-processor-test", new TaskId(0, 0), StoreKeys.POPULATION, StoreKeys.POPULATION_LOG, StoreKeys.POPULATION_CURSORS, StoreKeys.RUNS_GLOBAL);
        global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
        context.setCurrentSystemTimeMs(1_000_000L);
        processor = new PopulationProcessor(metrics, 1);
        processor.init(context);
    }

    private void register(final long id, final int label) {
        final SampleRegistered sample = new SampleRegistered(id, "d", label, null, 0L);
        processor.process(new Record<>("d", SamplerEvent.of(SamplerEvent.Kind.SAMPLE, 0, id, null,
                Topics.SAMPLES.valueSerde().serializer().serialize(null, sample), sample), 0L));
    }

    private void createRun(final String runId) {
        global.put(runId, Topics.RUNS.valueSerde().serializer().serialize(null, RunSpec.newBuilder().setRunId(runId)
                .setDataset("d").setPolicy("uniform").setParams(Map.of()).setBatchSize(4).build()));
    }

    private void punctuate() {
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(context.currentSystemTimeMs());
    }

    private List<PopulationChunk> chunks() {
        final List<PopulationChunk> chunks = context.forwarded().stream()
                .map(f -> f.record().value().population()).toList();
        context.resetForwards();
        return chunks;
    }

    @Test
    void aNewRunGetsTheWholePopulationInOrderThenEachSampleAsItJoins() {
        for (long id = 0; id < 10; id++) {
            register(100 + id, (int) id);
        }
        assertTrue(chunks().isEmpty(), "no run yet");
        createRun("r");
        punctuate();
        final List<PopulationChunk> first = chunks();
        assertEquals(1, first.size());
        assertEquals("r", first.get(0).runId());
        assertEquals(0, first.get(0).fromSeq());
        assertArrayEquals(new long[] {100, 101, 102, 103, 104, 105, 106, 107, 108, 109}, first.get(0).ids());

        register(200, 3);
        final List<PopulationChunk> next = chunks();
        assertEquals(1, next.size(), "a sample joining a run already fed is sent at once");
        assertEquals(10, next.get(0).fromSeq());
        assertArrayEquals(new long[] {200}, next.get(0).ids());

        register(200, 3);
        assertTrue(chunks().isEmpty(), "the same registration again changes nothing");
        assertEquals(1, metrics.duplicatesIgnored());
        register(200, 4);
        final PopulationChunk relabel = chunks().get(0);
        assertArrayEquals(new int[] {4}, relabel.labels(), "a new label goes to the runs too");
        assertEquals(11, relabel.fromSeq());
    }

    @Test
    void aRestartedTaskContinuesEachRunFromItsCursor() {
        createRun("r");
        punctuate();
        for (long id = 0; id < 5; id++) {
            register(id, 1);
        }
        chunks();
        // the task is revived after a failure: memory is gone, the stores are what was committed
        processor = new PopulationProcessor(metrics, 1);
        processor.init(context);
        register(5, 1);
        final List<PopulationChunk> after = chunks();
        assertEquals(5, after.get(0).fromSeq(), "the log's head and the run's cursor come from the stores");
        assertArrayEquals(new long[] {5}, after.get(0).ids());
    }

    @Test
    void inAShardedSamplerEveryTaskFeedsEveryRunTheSamplesOfItsShard() {
        final int task = (KeyPartitions.of("d", 4) + 1) % 4; // a task that would not own dataset d unsharded
        for (final int partitions : new int[] {4, 0}) {
            context = MockContexts.withStores("population-shard-test", new TaskId(2, task), StoreKeys.POPULATION,
                    StoreKeys.POPULATION_LOG, StoreKeys.POPULATION_CURSORS, StoreKeys.RUNS_GLOBAL);
            global = context.getStateStore(StoreKeys.RUNS_GLOBAL);
            context.setCurrentSystemTimeMs(1_000_000L);
            processor = new PopulationProcessor(metrics, partitions);
            processor.init(context);
            createRun("r");
            punctuate();
            register(7, 1);
            register(9, 2);
            final List<PopulationChunk> sent = chunks();
            if (partitions == 4) {
                assertTrue(sent.isEmpty(), "unsharded, dataset d belongs to task " + KeyPartitions.of("d", 4));
            } else {
                assertEquals(2, sent.size(), "sharded (partitions 0): every task feeds every run");
                assertArrayEquals(new long[] {9}, sent.get(1).ids());
            }
        }
    }
}
