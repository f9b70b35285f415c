package org.isgd.sampler.topology;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;

/**
 * The sampler's topology:
 *
 * <pre>
 * isgd.runs ─────────► global store runs-global (every instance)
 * isgd.samples ──────► route-samples ─┐
 * isgd.predictions ──► route-predictions ─┼─► repartition by dataset ─► sampler ─► isgd.batches
 * isgd.progress ─────► route-progress ─┘        (population, importance,     └─► isgd.dead-letters
 *                       └─► isgd.dead-letters     run-progress: RocksDB, changelogged)
 * </pre>
 *
 * One task owns each dataset, so a run's population, importance and flow control live together.
 */
public final class SamplerTopology {
    public static final String REPARTITION = "by-dataset";
    /** Sharded mode: the repartition topic from the shards to the runs' coordinators. */
    public static final String BY_RUN = "by-run";
    /** Sharded mode: the internal topic "{application.id}-shard-events"; its partitions are the shards. */
    public static final String SHARD_EVENTS = "shard-events";
    private static final String[] STORES = {StoreKeys.POPULATION, StoreKeys.IMPORTANCE, StoreKeys.HISTORY,
        StoreKeys.RUN_PROGRESS};

    private SamplerTopology() {
    }

    /** How long a new run waits for its dataset's registrations to pause; see {@link SamplerProcessor}. */
    public static final java.time.Duration DEFAULT_SETTLE = java.time.Duration.ofSeconds(1);

    public static Topology build(final SamplerMetrics metrics) {
        return build(metrics, new RunSnapshots(), DEFAULT_SETTLE);
    }

    public static Topology build(final SamplerMetrics metrics, final RunSnapshots snapshots,
                                 final java.time.Duration settle) {
        return build(metrics, snapshots, settle, null, 1);
    }

    /**
     * @param shardTopic null for the single-task topology (one task owns a dataset and its runs);
     *     else the internal topic of the sharded topology, whose partitions are the shards
     * @param shards the number of shards (partitions of {@code shardTopic}), 1 without
     */
    public static Topology build(final SamplerMetrics metrics, final RunSnapshots snapshots,
                                 final java.time.Duration settle, final String shardTopic, final int shards) {
        final boolean sharded = shardTopic != null;
        final StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreKeys.RUNS_GLOBAL), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                Topics.RUNS.name(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("runs-source"),
                () -> new RunSpecStoreUpdater(metrics));
        for (final String store : STORES) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store),
                    Serdes.String(), Serdes.ByteArray()));
        }

        final KStream<String, Routed<SamplerEvent>> routed = route(builder, Topics.SAMPLES, SamplerEvent.Kind.SAMPLE, metrics, sharded)
                .merge(route(builder, Topics.PREDICTIONS, SamplerEvent.Kind.PREDICTION, metrics, sharded), Named.as("merge-predictions"))
                .merge(route(builder, Topics.PROGRESS, SamplerEvent.Kind.PROGRESS, metrics, sharded), Named.as("merge-progress"));

        final Map<String, KStream<String, Routed<SamplerEvent>>> events = routed.split(Named.as("routed-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .defaultBranch(Branched.as("ok"));
        toDeadLetters(events.get("routed-rejected"), "route");

        final KStream<String, SamplerEvent> ok = events.get("routed-ok").mapValues(Routed::value, Named.as("unwrap-events"));
        final KStream<String, SamplerEvent> owned;
        if (sharded) {
            ok.to(shardTopic, Produced.with(Serdes.String(), SamplerEvent.serde()).withName("shard-events-sink"));
            owned = builder.stream(shardTopic, Consumed.with(Serdes.String(), SamplerEvent.serde()).withName("shard-events-source"));
        } else {
            owned = ok.repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde()).withName(REPARTITION));
        }
        final KStream<String, Routed<Object>> emitted = owned
                .process(() -> new SamplerProcessor(metrics, snapshots, settle, sharded ? shards : 1), Named.as("sampler"), STORES);
        final Map<String, KStream<String, Routed<Object>>> outputs = emitted.split(Named.as("emitted-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .defaultBranch(Branched.as("batches"));
        toDeadLetters(outputs.get("emitted-rejected"), "sampler");
        if (!sharded) {
            toBatches(outputs.get("emitted-batches"), "batches-sink");
            return builder.build();
        }

        for (final String store : new String[] {RunCoordinator.RUNS, RunCoordinator.PARTS, RunCoordinator.PENDING}) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store),
                    Serdes.String(), Serdes.ByteArray()));
        }
        final KStream<String, Routed<Object>> coordinated = outputs.get("emitted-batches")
                .mapValues(v -> (SamplerEvent) v.value(), Named.as("unwrap-shard-messages"))
                .repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde()).withName(BY_RUN))
                .process(() -> new RunCoordinator(metrics, snapshots, settle), Named.as("coordinator"),
                        RunCoordinator.RUNS, RunCoordinator.PARTS, RunCoordinator.PENDING);
        final Map<String, KStream<String, Routed<Object>>> out = coordinated.split(Named.as("coordinated-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .branch((k, v) -> v.value() instanceof IndexBatch, Branched.as("batches"))
                .defaultBranch(Branched.as("requests"));
        toDeadLetters(out.get("coordinated-rejected"), "coordinator");
        toBatches(out.get("coordinated-batches"), "coordinator-batches-sink");
        out.get("coordinated-requests")
                .mapValues(v -> (SamplerEvent) v.value(), Named.as("unwrap-requests"))
                .to(shardTopic, Produced.with(Serdes.String(), SamplerEvent.serde())
                        .withStreamPartitioner((topic, key, event, partitions) ->
                                Optional.of(Set.of(((ShardMessage.DrawRequest) event.shardMessage()).shard())))
                        .withName("draw-requests-sink"));
        return builder.build();
    }

    private static void toBatches(final KStream<String, Routed<Object>> batches, final String name) {
        batches.mapValues(v -> (IndexBatch) v.value(), Named.as("unwrap-" + name))
                .to(Topics.BATCHES.name(), Produced.with(Topics.BATCHES.keySerde(), Topics.BATCHES.valueSerde())
                        .withName(name));
    }

    private static <K> KStream<String, Routed<SamplerEvent>> route(final StreamsBuilder builder, final Topic<K, ?> topic,
                                                                    final SamplerEvent.Kind kind,
                                                                    final SamplerMetrics metrics, final boolean sharded) {
        final String name = kind.name().toLowerCase(java.util.Locale.ROOT);
        return builder.stream(topic.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
                .process(() -> new EventRouter(kind, metrics, sharded), Named.as("route-" + name));
    }

    private static <T> void toDeadLetters(final KStream<String, Routed<T>> rejected, final String stage) {
        rejected.map((k, v) -> {
            final DeadLetter letter = v.deadLetter();
            return KeyValue.pair(letter.getKey() == null ? null : bytes(letter.getKey()), letter);
        }, Named.as(stage + "-dead-letter-keys"))
                .to(Topics.DEAD_LETTERS.name(), Produced.with(Topics.DEAD_LETTERS.keySerde(), Topics.DEAD_LETTERS.valueSerde())
                        .withName(stage + "-dead-letters-sink"));
    }

    private static byte[] bytes(final java.nio.ByteBuffer buffer) {
        final java.nio.ByteBuffer copy = buffer.duplicate();
        final byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
