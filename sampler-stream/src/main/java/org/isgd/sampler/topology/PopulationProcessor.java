package org.isgd.sampler.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.SampleRegistered;

/**
 * A dataset's task: keeps the dataset's population (each sample's label, and a log of the order
 * samples joined in) and hands it to the dataset's runs, whose tasks may be elsewhere. Each run
 * has a cursor into the log, kept in the same store transaction as the log, so a run receives
 * every sample once and in order whatever fails: a new run gets the whole log, in chunks of
 * {@link PopulationChunk#MAX_SAMPLES} over a few punctuations, and then each sample as it joins:
 * at once for the first {@link #IMMEDIATE_PER_PUNCTUATION} of a punctuation interval (a trickle
 * reaches the run without delay), then together, at the next punctuation or when a chunk fills
 * (a bulk registration costs a record per chunk, not per sample). A sample not yet sent is in the
 * log, after the run's cursor: nothing is lost when the task fails in between.
 */
final class PopulationProcessor implements Processor<String, SamplerEvent, String, SamplerEvent> {
    /** Chunks one run is sent per punctuation at most, so a huge dataset never stalls the thread. */
    static final int CHUNKS_PER_PUNCTUATION = 32;
    /** Samples a run is sent one by one per punctuation interval, before they wait to go together. */
    static final int IMMEDIATE_PER_PUNCTUATION = 256;

    private final SamplerMetrics metrics;
    private final int partitions;
    private ProcessorContext<String, SamplerEvent> context;
    private KeyValueStore<String, byte[]> population;
    private KeyValueStore<String, byte[]> log;
    private KeyValueStore<String, byte[]> cursors;
    private RunSpecLookup runSpecs;
    /** dataset → its runs that have a cursor. */
    private final Map<String, Set<String>> runsOf = new HashMap<>();
    /** dataset → when it last grew (wall clock; not kept across restarts). */
    private final Map<String, Long> grewAt = new HashMap<>();
    /** dataset → the next position of its log (read from the log once, then kept here). */
    private final Map<String, Long> heads = new HashMap<>();
    /** run → samples sent to it one by one since the last punctuation. */
    private final Map<String, Integer> sentAtOnce = new HashMap<>();

    /**
     * @param partitions partitions of the by-dataset topic: the dataset tasks; 0 in a sharded
     *     sampler, where every task (shard) holds a part of every dataset and gives every run a cursor
     */
    PopulationProcessor(final SamplerMetrics metrics, final int partitions) {
        this.metrics = metrics;
        this.partitions = partitions;
    }

    @Override
    public void init(final ProcessorContext<String, SamplerEvent> context) {
        this.context = context;
        runsOf.clear();
        grewAt.clear();
        heads.clear();
        sentAtOnce.clear();
        population = context.getStateStore(StoreKeys.POPULATION);
        log = context.getStateStore(StoreKeys.POPULATION_LOG);
        cursors = context.getStateStore(StoreKeys.POPULATION_CURSORS);
        runSpecs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
        try (KeyValueIterator<String, byte[]> all = cursors.all()) {
            all.forEachRemaining(kv -> runsOf.computeIfAbsent(cursorDataset(kv.value), d -> new HashSet<>()).add(kv.key));
        }
        context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, now -> {
            sentAtOnce.clear();
            announceRuns();
            runsOf.forEach((dataset, runs) -> runs.forEach(run -> send(run, dataset, CHUNKS_PER_PUNCTUATION)));
        });
    }

    @Override
    public void process(final Record<String, SamplerEvent> record) {
        final SampleRegistered sample = record.value().sample();
        final String dataset = sample.getDataset();
        final String key = StoreKeys.key(dataset, sample.getSampleId());
        final byte[] label = ByteBuffer.allocate(4).putInt(sample.getLabel()).array();
        if (java.util.Arrays.equals(population.get(key), label)) {
            metrics.duplicateIgnored();
            return;
        }
        population.put(key, label);
        final long seq = head(dataset);
        log.put(StoreKeys.key(dataset, seq), ByteBuffer.allocate(12).putLong(sample.getSampleId())
                .putInt(sample.getLabel()).array());
        heads.put(dataset, seq + 1);
        grewAt.put(dataset, context.currentSystemTimeMs());
        for (final String run : runsOf.getOrDefault(dataset, Set.of())) {
            final long pending = seq - cursor(run);
            final boolean trickle = pending == 1 && sentAtOnce.merge(run, 1, Integer::sum) <= IMMEDIATE_PER_PUNCTUATION;
            if (trickle || pending >= PopulationChunk.MAX_SAMPLES) {
                send(run, dataset, 1);
            }
        }
    }

    /** Gives every valid run of a dataset this task owns a cursor at the start of the log. */
    private void announceRuns() {
        runSpecs.forEach((runId, spec) -> {
            final String dataset = spec.getDataset();
            if (cursors.get(runId) == null
                    && (partitions == 0 || KeyPartitions.of(dataset, partitions) == context.taskId().partition())
                    && RunTable.checkSpec(spec) == null) {
                cursors.put(runId, cursorValue(-1, dataset));
                runsOf.computeIfAbsent(dataset, d -> new HashSet<>()).add(runId);
            }
        }, (key, letter) -> { });
    }

    /** Sends a run the samples of its dataset's log after its cursor, at most {@code maxChunks} chunks. */
    private void send(final String runId, final String dataset, final int maxChunks) {
        long cursor = cursor(runId);
        final long head = head(dataset);
        for (int chunk = 0; chunk < maxChunks && cursor + 1 < head; chunk++) {
            final int n = (int) Math.min(PopulationChunk.MAX_SAMPLES, head - cursor - 1);
            final long[] ids = new long[n];
            final int[] labels = new int[n];
            final int[] i = {0};
            try (KeyValueIterator<String, byte[]> entries = log.range(StoreKeys.key(dataset, cursor + 1),
                    StoreKeys.key(dataset, cursor + n))) {
                entries.forEachRemaining(kv -> {
                    final ByteBuffer in = ByteBuffer.wrap(kv.value);
                    ids[i[0]] = in.getLong();
                    labels[i[0]++] = in.getInt();
                });
            }
            final PopulationChunk sent = new PopulationChunk(runId, cursor + 1, ids, labels,
                    grewAt.getOrDefault(dataset, 0L));
            context.forward(new Record<>(runId, SamplerEvent.of(sent), context.currentSystemTimeMs()));
            cursor += n;
        }
        cursors.put(runId, cursorValue(cursor, dataset));
    }

    /** The next position of a dataset's log: one past its last entry, 0 for an empty log. */
    private long head(final String dataset) {
        final Long known = heads.get(dataset);
        if (known != null) {
            return known;
        }
        long head = 0;
        try (KeyValueIterator<String, byte[]> last = log.reverseRange(StoreKeys.key(dataset, 0),
                StoreKeys.key(dataset, Long.MAX_VALUE))) {
            if (last.hasNext()) {
                head = StoreKeys.sampleId(last.next().key) + 1;
            }
        }
        heads.put(dataset, head);
        return head;
    }

    private long cursor(final String runId) {
        return ByteBuffer.wrap(cursors.get(runId)).getLong();
    }

    private static byte[] cursorValue(final long cursor, final String dataset) {
        final byte[] name = dataset.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + name.length).putLong(cursor).put(name).array();
    }

    private static String cursorDataset(final byte[] value) {
        return new String(value, 8, value.length - 8, StandardCharsets.UTF_8);
    }
}
