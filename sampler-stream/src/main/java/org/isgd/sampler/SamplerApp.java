package org.isgd.sampler;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Topics;
import org.isgd.sampler.run.History;
import org.isgd.sampler.reference.ReferenceLossReader;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.schemas.RunSpec;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.isgd.sampler.topology.SamplerMetrics;
import org.isgd.sampler.topology.SamplerTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lifecycle of one sampler instance: start, health, clean close. Configuration lives in {@link SamplerConfig}. */
public final class SamplerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerApp.class);
    private static final AvroSerde<RunSpec> RUN_SPECS = AvroSerde.of(RunSpec.class);

    private final KafkaStreams streams;
    private final SamplerMetrics metrics;
    private final RunSnapshots snapshots = new RunSnapshots();
    private final RunDirectory<RunTable> directory = new RunDirectory<>();
    private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final boolean sharded;
    /** The shards of a sharded sampler, 1 without. */
    private final int shards;
    private final ReferenceLossTable references = new ReferenceLossTable();
    private final ReferenceLossReader referenceReader;

    private SamplerApp(final SamplerConfig config) {
        this.metrics = new SamplerMetrics();
        this.sharded = config.shardTopic() != null;
        if (config.shardTopic() != null) {
            ShardTopic.ensure(config);
        }
        final int partitions = sharded ? 1 : RunPartitions.of(config, Topics.PREDICTION_BATCHES.name());
        final int progressPartitions = sharded ? 1 : RunPartitions.of(config, Topics.PROGRESS.name());
        final Topology topology = SamplerTopology.build(metrics, snapshots, directory, config.runSettings(),
                config.shardTopic(), config.shards(), partitions, progressPartitions, references);
        this.streams = new KafkaStreams(topology, config.streamsProperties());
        this.shards = config.shards();
        // the noise guards' reference losses: side data read beside the streams
        this.referenceReader = new ReferenceLossReader(new StreamsConfig(config.streamsProperties())
                .getGlobalConsumerConfigs(config.defaultInstanceId()
                        + "-reference-losses"), references, metrics);
        streams.setStateListener((now, before) -> {
            state.set(now);
            LOG.info("sampler state {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(error -> {
            // a processing error is a bug or a broken store: replacing the thread retries the same record
            LOG.error("sampler stream thread failed; shutting this instance down", error);
            failure.set(error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    }

    public static SamplerApp start(final SamplerConfig config) {
        final SamplerApp app = new SamplerApp(config);
        app.streams.start();
        app.referenceReader.start();
        return app;
    }

    /** Waits until every task is running, or throws if the instance failed. */
    public void awaitRunning(final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (state.get() != KafkaStreams.State.RUNNING) {
            if (failure.get() != null || state.get() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("sampler failed to start: " + describeFailure());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sampler not running after " + timeout + " (state " + state.get()
                        + "); is the broker reachable and are the topics created ('isgd topics')?");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Blocks until the instance stops (closed, or failed). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    public KafkaStreams.State state() {
        return state.get();
    }

    public Throwable failure() {
        return failure.get();
    }

    public SamplerMetrics metrics() {
        return metrics;
    }

    /** The latest snapshot of every run whose dataset this instance owns. */
    public RunSnapshots snapshots() {
        return snapshots;
    }

    /**
     * The instance whose task keeps a dataset's population (and hands it to the dataset's runs), as
     * its {@code application.server}; empty while rebalancing.
     */
    public Optional<HostInfo> ownerOf(final String dataset) {
        return owner(StoreKeys.POPULATION, dataset);
    }

    /** Whether runs are spread over shards ({@link SamplerConfig#withShards}). */
    public boolean sharded() {
        return sharded;
    }

    /** The instance that answers for a run as a whole: its run task's, or (sharded) its coordinator's. */
    public Optional<HostInfo> ownerOfRun(final String runId, final String dataset) {
        return owner(sharded ? StoreKeys.COORDINATOR_RUNS : StoreKeys.RUNS, runId);
    }

    /** The instance that holds a sample's state and history: its dataset's task, or (sharded) its shard's. */
    public Optional<HostInfo> ownerOfSample(final String dataset, final long sampleId) {
        return sharded ? owner(StoreKeys.POPULATION, dataset + "/" + sampleId) : ownerOf(dataset);
    }

    private Optional<HostInfo> owner(final String store, final String key) {
        final KeyQueryMetadata meta = streams.queryMetadataForKey(store, key, new StringSerializer());
        return meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE) ? Optional.empty()
                : Optional.of(meta.activeHost());
    }

    /** The query endpoint ({@code application.server}) of every instance of this application, this one included. */
    /** The ids ("subtopology_partition") of the tasks this instance runs now. */
    public java.util.Set<String> activeTasks() {
        final java.util.Set<String> ids = new java.util.TreeSet<>();
        streams.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(task -> ids.add(
                task.taskId().toString())));
        return ids;
    }

    public List<HostInfo> instances() {
        final List<HostInfo> hosts = new ArrayList<>();
        streams.metadataForAllStreamsClients().forEach(meta -> hosts.add(meta.hostInfo()));
        return hosts;
    }

    /** The Kafka Streams client metrics (its consumers', producers' and threads'), read-only. */
    public Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> streamsMetrics() {
        return streams.metrics();
    }

    /** The spec of a run as this instance's global store has it. */
    public Optional<RunSpec> runSpec(final String runId) {
        final ReadOnlyKeyValueStore<String, byte[]> runs = store(StoreKeys.RUNS_GLOBAL);
        final byte[] bytes = runs.get(runId);
        return bytes == null ? Optional.empty() : Optional.of(RUN_SPECS.decode(bytes));
    }

    /** How long the query API waits for a run task to answer before saying it is busy. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    /** Every sample state this instance holds for a run, by sampleId (a sharded run: this instance's shards). */
    public Map<Long, SampleState> sampleStates(final String runId) {
        if (!sharded) {
            return directory.await(runId, table -> table.states(runId), ASK_TIMEOUT);
        }
        final Map<Long, SampleState> states = new TreeMap<>();
        localShards(runId).forEach(key -> states.putAll(directory.await(key, table -> table.states(runId), ASK_TIMEOUT)));
        return states;
    }

    /** A sample's current state in a run, if this instance holds it and it was ever trained. */
    public Optional<SampleState> sampleState(final String runId, final long sampleId) {
        return Optional.ofNullable(view(runId, sampleId)).map(RunTable.SampleView::state);
    }

    /** Whether a sample is in the run's population (sharded: registered with this instance's shard). */
    public boolean isRegistered(final String runId, final String dataset, final long sampleId) {
        return view(runId, sampleId) != null;
    }

    /** The sample as the task that holds it sees it; null when it is not in the run or not held here. */
    private RunTable.SampleView view(final String runId, final long sampleId) {
        final String key = sharded ? shardKey(runId, sampleId) : runId;
        if (sharded && (key == null || !directory.holds(key))) {
            return null;
        }
        return directory.await(key, table -> table.sample(runId, sampleId), ASK_TIMEOUT);
    }

    /** The directory key of the shard of a sharded run that holds a sample; null for an unknown run. */
    private String shardKey(final String runId, final long sampleId) {
        return runSpec(runId).map(spec -> RunDirectory.shardKey(runId, shardOf(spec.getDataset(), sampleId)))
                .orElse(null);
    }

    private int shardOf(final String dataset, final long sampleId) {
        return SamplerTopology.shardOf(dataset, sampleId, shards);
    }

    /** The directory keys of the shards of a run this instance holds. */
    private List<String> localShards(final String runId) {
        final List<String> keys = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            if (directory.holds(RunDirectory.shardKey(runId, shard))) {
                keys.add(RunDirectory.shardKey(runId, shard));
            }
        }
        return keys;
    }

    /** Every state a sample had in a run, oldest first, each with the time of its prediction. */
    public List<HistoryEntry> history(final String runId, final long sampleId) {
        final List<HistoryEntry> entries = new ArrayList<>();
        final RunTable.SampleView view = view(runId, sampleId);
        if (view == null || view.state() == null) {
            return entries;
        }
        // a sharded run has a journal per shard, under the same keys: read the sample's shard's
        final StoreQueryParameters<ReadOnlyKeyValueStore<String, byte[]>> where = StoreQueryParameters.fromNameAndType(
                StoreKeys.JOURNAL, QueryableStoreTypes.<String, byte[]>keyValueStore());
        final ReadOnlyKeyValueStore<String, byte[]> journal = streams.store(sharded
                ? where.withPartition(shardOf(runSpec(runId).orElseThrow().getDataset(), sampleId)) : where);
        for (final History.Entry entry : History.of(sampleId, view.state().label(), view.lastApply(),
                index -> journal.get(RunTable.journalKey(runId, index)))) {
            entries.add(new HistoryEntry(entry.timestamp(), entry.state()));
        }
        return entries;
    }

    /** The sample's state as of {@code timestamp} (the last prediction at or before it). */
    public Optional<SampleState> stateAsOf(final String runId, final long sampleId, final long timestamp) {
        SampleState asOf = null;
        for (final HistoryEntry entry : history(runId, sampleId)) {
            if (entry.timestamp() > timestamp) {
                break;
            }
            asOf = entry.state();
        }
        return Optional.ofNullable(asOf);
    }

    /** The {@code k} samples of a run with the highest latest loss held here, hardest first. */
    public List<Map.Entry<Long, SampleState>> hardest(final String runId, final int k) {
        if (!sharded) {
            return directory.await(runId, table -> table.hardest(runId, k), ASK_TIMEOUT);
        }
        final List<Map.Entry<Long, SampleState>> hardest = new ArrayList<>();
        localShards(runId).forEach(key -> hardest.addAll(directory.await(key, table -> table.hardest(runId, k),
                ASK_TIMEOUT)));
        hardest.sort(Comparator.comparingDouble((Map.Entry<Long, SampleState> e) -> e.getValue().loss()).reversed());
        return List.copyOf(hardest.subList(0, Math.min(k, hardest.size())));
    }

    /** One past state of a sample: the state right after the prediction made at {@code timestamp}. */
    public record HistoryEntry(long timestamp, SampleState state) {
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(final String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    private String describeFailure() {
        final Throwable error = failure.get();
        return error == null ? "state " + state.get() : error.toString();
    }

    @Override
    public void close() {
        // leave the group so that a replacement instance gets the tasks at once, not after the session timeout
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        referenceReader.close();
        stopped.countDown();
    }

}
