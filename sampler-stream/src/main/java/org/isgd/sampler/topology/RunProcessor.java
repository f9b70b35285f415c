package org.isgd.sampler.topology;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.status.RunSnapshots;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run task: the thin Kafka side of a {@link RunTable}. It holds the runs whose id hashes to its
 * partition of isgd.prediction-batches, takes their prediction batches (and, when isgd.progress has
 * as many partitions, the older acknowledgements) straight from their topics and everything else
 * (samples from the dataset tasks, the older per-sample predictions) from the by-run topic, and sends on the batches the table draws and the dead
 * letters of what it refuses. Runs are created from the global isgd.runs store; the query API's
 * questions are answered between records and at every punctuation.
 */
final class RunProcessor implements Processor<String, SamplerEvent, String, RunOutput> {
    private static final Logger LOG = LoggerFactory.getLogger(RunProcessor.class);

    private final ReferenceLossTable references;
    private final SamplerMetrics metrics;
    private final RunSnapshots snapshots;
    private final RunDirectory<RunTable> directory;
    private final RunSettings settings;
    private final int partitions;
    private ProcessorContext<String, RunOutput> context;
    private StoreRunStorage storage;
    private RunSpecLookup runSpecs;
    private RunTable table;
    private RunDirectory.Mailbox<RunTable> mailbox;
    private final RunTable.Output output = new RunTable.Output() {
        @Override
        public void batch(final IndexBatchCodec.Batch batch) {
            context.forward(new Record<>(batch.runId(), new RunOutput.Batch(IndexBatchCodec.encode(batch)), now()));
        }

        @Override
        public void refused(final RunSpec spec, final String reason) {
            letter(runSpecs.refusal(spec, reason, now()));
        }
    };

    /** @param partitions partitions of isgd.prediction-batches (and of the by-run topic): the run tasks */
    RunProcessor(final SamplerMetrics metrics, final RunSnapshots snapshots, final RunDirectory<RunTable> directory,
                 final RunSettings settings, final int partitions, final ReferenceLossTable references) {
        this.metrics = metrics;
        this.references = references;
        this.snapshots = snapshots;
        this.directory = directory;
        this.settings = settings;
        this.partitions = partitions;
    }

    @Override
    public void init(final ProcessorContext<String, RunOutput> context) {
        this.context = context;
        runSpecs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
        storage = StoreRunStorage.of(context);
        table = new RunTable(storage, settings, metrics, references::of);
        mailbox = new RunDirectory.Mailbox<>(table);
        // a task revived after an aborted transaction is initialised again: the table is rebuilt from the stores
        table.restore(storage.storedRuns(), this::owns, now());
        table.runIds().forEach(runId -> directory.register(runId, mailbox));
        context.schedule(SamplerTopology.SYNC_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(final Record<String, SamplerEvent> record) {
        final SamplerEvent event = record.value();
        final String problem = switch (event.kind()) {
            case PREDICTION_BATCH -> onPredictionBatch(event);
            case POPULATION -> withRun(event.population().runId(), () -> table.samples(event.population().runId(),
                    event.population().fromSeq(), event.population().ids(), event.population().labels(),
                    event.population().grewAt(), now(), output));
            case PREDICTION -> withRun(event.prediction().getRunId(), () -> table.prediction(event.prediction(), now()));
            case PROGRESS -> misrouted(event.progress().getRunId(), event) ? null
                    : withRun(event.progress().getRunId(), () -> table.progress(event.progress(), now(), output));
            default -> "malformed: a " + event.kind() + " event reached a run task";
        };
        if (problem != null) {
            metrics.deadLetter(problem);
            letter(event.reject(problem, now()));
        }
        mailbox.answer();
    }

    private String onPredictionBatch(final SamplerEvent event) {
        final String runId = event.predictionBatch().header().getRunId();
        return misrouted(runId, event) ? null
                : withRun(runId, () -> table.predictionBatch(event.predictionBatch(), now(), output));
    }

    /**
     * Whether a record read straight from a contract topic sits on another partition than its run's
     * (its producer does not partition like Java's default); if so it is passed on to the right one.
     */
    private boolean misrouted(final String runId, final SamplerEvent event) {
        final String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        if (!topic.equals(event.kind().topic()) || KeyPartitions.of(runId, partitions) == event.partition()) {
            return false; // it came through the by-run topic, or it is where it belongs
        }
        metrics.misrouted();
        context.forward(new Record<>(runId, new RunOutput.Reroute(topic, event.key(), event.value()), now()));
        return true;
    }

    /** Runs {@code work} once the table holds the run, creating it from isgd.runs if it is new. */
    private String withRun(final String runId, final java.util.function.Supplier<String> work) {
        runSpecs.createIfMissing(runId, table::has, this::apply);
        return work.get();
    }

    private void punctuate(final long now) {
        runSpecs.forEach((runId, spec) -> {
            if (owns(runId)) {
                apply(spec);
            }
        }, this::forwardRefusedSpec);
        table.tick(now, output);
        snapshots.publishAll(table.snapshots(now));
        mailbox.answer();
    }

    private void apply(final RunSpec spec) {
        table.applySpec(spec, now(), output);
        if (table.has(spec.getRunId())) {
            directory.register(spec.getRunId(), mailbox);
        }
    }

    private boolean owns(final String runId) {
        return KeyPartitions.of(runId, partitions) == context.taskId().partition();
    }

    /**
     * A run spec the global store refused becomes a dead letter here, exactly once: only the task
     * of partition 0 sends it, and remembers that it did in its changelogged store.
     */
    private void forwardRefusedSpec(final String key, final DeadLetter letter) {
        if (context.taskId().partition() == 0 && storage.firstReport(key)) {
            letter(letter);
        }
    }

    private void letter(final DeadLetter letter) {
        context.forward(new Record<>(null, new RunOutput.Letter(letter), now()));
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    @Override
    public void close() {
        for (final String runId : table.runIds()) {
            directory.unregister(runId, mailbox);
            snapshots.remove(runId); // another instance owns them now
        }
        LOG.debug("run task {} closed", context.taskId());
    }
}
