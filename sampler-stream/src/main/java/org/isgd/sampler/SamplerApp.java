package org.isgd.sampler;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
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

    private final KafkaStreams streams;
    private final SamplerMetrics metrics;
    private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private SamplerApp(final SamplerConfig config) {
        this.metrics = new SamplerMetrics();
        final Topology topology = SamplerTopology.build(metrics);
        this.streams = new KafkaStreams(topology, config.streamsProperties());
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

    /**
     * Every sample state this instance holds for a run, by sampleId (interactive query of the
     * local importance store; other instances hold the rest).
     */
    public Map<Long, SampleState> sampleStates(final String runId) {
        final ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                StoreKeys.IMPORTANCE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        final Map<Long, SampleState> states = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(StoreKeys.prefix(runId), new StringSerializer())) {
            it.forEachRemaining(kv -> states.put(StoreKeys.sampleId(kv.key), SampleState.fromBytes(kv.value)));
        }
        return states;
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
        stopped.countDown();
    }
}
