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
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;

/**
 * The sampler's topology. By default each run belongs to one task, chosen by its id exactly as
 * a trainer's producer partitions the run's prediction batches, so they arrive without a hop:
 *
 * <pre>
 * isgd.runs ───────────────► global store runs-global (every instance)
 * isgd.samples ────────────► route ─► by-dataset ─► population (dataset task: population, its log, runs' cursors)
 *                                                        │ samples for each run of the dataset
 * isgd.predictions, ───────► route ───────────────┐      ▼
 * isgd.progress (older)                            └──► by-run ──┐
 * isgd.prediction-batches (key runId) ─► route ─────────────────┴─► run task (runs, journal, snapshots)
 *                                                                       ├─► isgd.batches
 *                                                                       └─► isgd.dead-letters (every stage)
 * </pre>
 *
 * With {@code shards} &gt; 1 every run is spread over that many shard tasks and drawn from by a
 * per-run coordinator instead ({@link ShardProcessor}, {@link RunCoordinator}).
 */
public final class SamplerTopology {
    /** The repartition topic that takes samples to their dataset's task. */
    public static final String BY_DATASET = "by-dataset";
    /** The repartition topic to the run tasks (and, sharded, from the shards to the runs' coordinators). */
    public static final String BY_RUN = "by-run";
    /** Sharded mode: acknowledgements from the router to the runs' coordinators. */
    public static final String ACKS_BY_RUN = "acks-by-run";
    /** Sharded mode: the internal topic "{application.id}-shard-events"; its partitions are the shards. */
    public static final String SHARD_EVENTS = "shard-events";
    /** How often tasks apply isgd.runs, start settled runs, checkpoint and publish snapshots. */
    public static final java.time.Duration SYNC_INTERVAL = java.time.Duration.ofMillis(100);
    private static final String[] DATASET_STORES = {StoreKeys.POPULATION, StoreKeys.POPULATION_LOG,
        StoreKeys.POPULATION_CURSORS};
    private static final String[] RUN_STORES = {StoreKeys.RUNS, StoreKeys.JOURNAL, StoreKeys.SNAPSHOTS};

    private SamplerTopology() {
    }

    /**
     * The shard of a sample of a sharded run: the partition of the shard topic its key
     * "dataset/sampleId" goes to (Kafka's default partitioner), where the router sends it and its
     * rows of every prediction batch.
     */
    public static int shardOf(final String dataset, final long sampleId, final int shards) {
        return KeyPartitions.of(dataset + "/" + sampleId, shards);
    }

    /** How long a new run waits for its dataset's registrations to pause; see {@link RunSettings#settle()}. */
    public static final java.time.Duration DEFAULT_SETTLE = RunSettings.DEFAULT_SETTLE;

    /** The single-task topology with default settings and one partition per topic (tests). */
    public static Topology build(final SamplerMetrics metrics) {
        return build(metrics, new RunSnapshots(), new RunDirectory<>(), RunSettings.defaults(), null, 1, 1, 1,
                new ReferenceLossTable());
    }

    /**
     * @param shardTopic null for the single-task topology (one task owns each run); else the
     *     internal topic of the sharded topology, whose partitions are the shards
     * @param shards the number of shards (partitions of {@code shardTopic}), 1 without
     * @param partitions partitions of isgd.prediction-batches: the run tasks (and dataset tasks)
     * @param progressPartitions partitions of isgd.progress: when they are as many, the run tasks
     *     read the older acknowledgements straight from it, else through the by-run topic
     * @param references the irreducible losses the runs' noise guards use (single-task topology)
     */
    public static Topology build(final SamplerMetrics metrics, final RunSnapshots snapshots,
                                 final RunDirectory<RunTable> directory, final RunSettings settings,
                                 final String shardTopic, final int shards, final int partitions,
                                 final int progressPartitions, final ReferenceLossTable references) {
        final StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreKeys.RUNS_GLOBAL), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                Topics.RUNS.name(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("runs-source"),
                () -> new RunSpecStoreUpdater(metrics));
        if (shardTopic != null) {
            return buildSharded(builder, metrics, snapshots, directory, settings, shardTopic, shards, references);
        }
        addStores(builder, DATASET_STORES);
        addStores(builder, RUN_STORES);

        final KStream<String, Routed<SamplerEvent>> samples = route(builder, Topics.SAMPLES, SamplerEvent.Kind.SAMPLE,
                metrics, 1);
        final KStream<String, SamplerEvent> population = accepted(samples, "samples")
                .repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde()).withName(BY_DATASET)
                        .withNumberOfPartitions(partitions))
                .process(() -> new PopulationProcessor(metrics, partitions), Named.as("population"), DATASET_STORES);

        // acknowledgements are keyed by run: with as many partitions they reach the run tasks without a hop
        final boolean progressDirect = progressPartitions == partitions;
        KStream<String, Routed<SamplerEvent>> older = route(builder, Topics.PREDICTIONS, SamplerEvent.Kind.PREDICTION,
                metrics, 1);
        final KStream<String, Routed<SamplerEvent>> progress = route(builder, Topics.PROGRESS,
                SamplerEvent.Kind.PROGRESS, metrics, 1);
        if (!progressDirect) {
            older = older.merge(progress, Named.as("merge-progress"));
        }
        final KStream<String, SamplerEvent> byRun = accepted(older, "older")
                .merge(population, Named.as("merge-population"))
                .repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde()).withName(BY_RUN)
                        .withNumberOfPartitions(partitions));
        KStream<String, SamplerEvent> direct = accepted(route(builder, Topics.PREDICTION_BATCHES,
                SamplerEvent.Kind.PREDICTION_BATCH, metrics, 1), "prediction-batches");
        if (progressDirect) {
            direct = direct.merge(accepted(progress, "progress"), Named.as("merge-direct-progress"));
        }

        final Map<String, KStream<String, RunOutput>> out = direct.merge(byRun, Named.as("merge-by-run"))
                .process(() -> new RunProcessor(metrics, snapshots, directory, settings, partitions,
                        references), Named.as("runs"),
                        RUN_STORES)
                .split(Named.as("runs-"))
                .branch((k, v) -> v instanceof RunOutput.Batch, Branched.as("batches"))
                .branch((k, v) -> v instanceof RunOutput.Letter, Branched.as("dead-letters"))
                .defaultBranch(Branched.as("reroute"));
        out.get("runs-batches").mapValues(v -> ((RunOutput.Batch) v).batch(), Named.as("run-batches"))
                .to(Topics.BATCHES.name(), Produced.with(Topics.BATCHES.keySerde(), Serdes.ByteArray())
                        .withName("batches-sink"));
        toDeadLetters(out.get("runs-dead-letters").mapValues(v -> Routed.<Object>rejected(((RunOutput.Letter) v).letter()),
                Named.as("run-dead-letters")), "runs");
        out.get("runs-reroute")
                .map((k, v) -> KeyValue.pair(k, (RunOutput.Reroute) v), Named.as("reroute-values"))
                .to((key, reroute, context) -> reroute.topic(), Produced.with(Serdes.String(), Serdes.serdeFrom(
                        (String topic, RunOutput.Reroute reroute) -> reroute.value(), (topic, bytes) -> null))
                        .withStreamPartitioner((topic, key, value, n) -> Optional.of(Set.of(KeyPartitions.of(key, n))))
                        .withName("reroute-sink"));
        return builder.build();
    }

    private static void addStores(final StreamsBuilder builder, final String[] stores) {
        for (final String store : stores) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store),
                    Serdes.String(), Serdes.ByteArray()));
        }
    }

    /** The records a router accepted; its dead letters go to isgd.dead-letters. */
    private static KStream<String, SamplerEvent> accepted(final KStream<String, Routed<SamplerEvent>> routed,
                                                          final String name) {
        final Map<String, KStream<String, Routed<SamplerEvent>>> split = routed.split(Named.as(name + "-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .defaultBranch(Branched.as("ok"));
        toDeadLetters(split.get(name + "-rejected"), "route-" + name);
        return split.get(name + "-ok").mapValues(Routed::value, Named.as("unwrap-" + name));
    }

    private static Topology buildSharded(final StreamsBuilder builder, final SamplerMetrics metrics,
                                         final RunSnapshots snapshots, final RunDirectory<RunTable> directory,
                                         final RunSettings settings, final String shardTopic, final int shards,
                                         final ReferenceLossTable references) {
        addStores(builder, DATASET_STORES);
        addStores(builder, RUN_STORES);
        final KStream<String, Routed<SamplerEvent>> routed = route(builder, Topics.SAMPLES, SamplerEvent.Kind.SAMPLE, metrics, shards)
                .merge(route(builder, Topics.PREDICTIONS, SamplerEvent.Kind.PREDICTION, metrics, shards), Named.as("merge-predictions"))
                .merge(route(builder, Topics.PROGRESS, SamplerEvent.Kind.PROGRESS, metrics, shards), Named.as("merge-progress"))
                .merge(route(builder, Topics.PREDICTION_BATCHES, SamplerEvent.Kind.PREDICTION_BATCH, metrics, shards),
                        Named.as("merge-prediction-batches"));
        // acknowledgements go straight to their run's coordinator; samples, predictions and each
        // prediction batch's part of a shard to the shard (keyed dataset/sampleId of a sample in it)
        final Map<String, KStream<String, SamplerEvent>> byKind = accepted(routed, "routed")
                .split(Named.as("kinds-"))
                .branch((k, v) -> v.kind() == SamplerEvent.Kind.PROGRESS, Branched.as("acks"))
                .defaultBranch(Branched.as("to-shards"));
        byKind.get("kinds-to-shards").to(shardTopic, Produced.with(Serdes.String(), SamplerEvent.serde())
                .withName("shard-events-sink"));
        final KStream<String, SamplerEvent> owned = builder.stream(shardTopic,
                Consumed.with(Serdes.String(), SamplerEvent.serde()).withName("shard-events-source"));
        // in each shard task, the population of the shard's samples hands them to the shard's run table
        final Map<String, KStream<String, SamplerEvent>> ownedByKind = owned.split(Named.as("owned-"))
                .branch((k, v) -> v.kind() == SamplerEvent.Kind.SAMPLE, Branched.as("samples"))
                .defaultBranch(Branched.as("other"));
        final KStream<String, SamplerEvent> shardPopulation = ownedByKind.get("owned-samples")
                .process(() -> new PopulationProcessor(metrics, 0), Named.as("shard-population"), DATASET_STORES);
        final KStream<String, Routed<Object>> emitted = ownedByKind.get("owned-other")
                .merge(shardPopulation, Named.as("merge-shard-population"))
                .process(() -> new ShardProcessor(metrics, shards, settings, references, directory), Named.as("sampler"),
                        RUN_STORES);
        final Map<String, KStream<String, Routed<Object>>> outputs = emitted.split(Named.as("emitted-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .defaultBranch(Branched.as("to-coordinator"));
        toDeadLetters(outputs.get("emitted-rejected"), "sampler");

        addStores(builder, new String[] {RunCoordinator.RUNS});
        final KStream<String, Routed<Object>> coordinated = outputs.get("emitted-to-coordinator")
                .mapValues(v -> (SamplerEvent) v.value(), Named.as("unwrap-shard-messages"))
                .repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde()).withName(BY_RUN)
                        .withNumberOfPartitions(shards))
                // acknowledgements through a topic of their own: merged before the repartition they would
                // fuse the router's and the shards' sub-topologies into one; with as many partitions as
                // by-run, a run's acknowledgements and shard messages reach the same coordinator task
                .merge(byKind.get("kinds-acks").repartition(Repartitioned.with(Serdes.String(), SamplerEvent.serde())
                        .withName(ACKS_BY_RUN).withNumberOfPartitions(shards)), Named.as("merge-acks"))
                .process(() -> new RunCoordinator(metrics, snapshots, settings.settle()), Named.as("coordinator"),
                        RunCoordinator.RUNS);
        final Map<String, KStream<String, Routed<Object>>> out = coordinated.split(Named.as("coordinated-"))
                .branch((k, v) -> v.isRejected(), Branched.as("rejected"))
                .branch((k, v) -> v.value() instanceof RunOutput.Batch, Branched.as("batches"))
                .defaultBranch(Branched.as("grants"));
        toDeadLetters(out.get("coordinated-rejected"), "coordinator");
        out.get("coordinated-batches")
                .mapValues(v -> ((RunOutput.Batch) v.value()).batch(), Named.as("unwrap-coordinator-batches"))
                .to(Topics.BATCHES.name(), Produced.with(Topics.BATCHES.keySerde(), Serdes.ByteArray())
                        .withName("coordinator-batches-sink"));
        out.get("coordinated-grants")
                .mapValues(v -> (SamplerEvent) v.value(), Named.as("unwrap-grants"))
                .to(shardTopic, Produced.with(Serdes.String(), SamplerEvent.serde())
                        .withStreamPartitioner((topic, key, event, partitions) ->
                                Optional.of(Set.of(((ShardMessage.Grant) event.shardMessage()).shard())))
                        .withName("grants-sink"));
        return builder.build();
    }

    private static <K> KStream<String, Routed<SamplerEvent>> route(final StreamsBuilder builder, final Topic<K, ?> topic,
                                                                    final SamplerEvent.Kind kind,
                                                                    final SamplerMetrics metrics, final int shards) {
        final String name = kind.name().toLowerCase(java.util.Locale.ROOT);
        return builder.stream(topic.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
                .process(() -> new EventRouter(kind, metrics, shards), Named.as("route-" + name));
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
