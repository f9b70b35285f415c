package org.isgd.sampler.topology;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.reference.ReferenceLossTable;
import org.isgd.sampler.run.RunSettings;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.status.RunDirectory;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard of every sharded run (a sampler started with {@code --shards S}): the thin Kafka side
 * of a shard {@link RunTable}. Its samples (those whose key dataset/sampleId hashes to this task's
 * partition of the shard topic) come from the {@link PopulationProcessor} of the same task, its
 * rows of each prediction batch from the router, which splits every batch by shard; the table
 * applies them the batched way (one journal write per part, no per-sample store read or write).
 * It reports each run's summary to the run's {@link RunCoordinator} when it changes, draws the
 * samples its grants ask for (many batches' worth at a time, ahead of the batches), and passes
 * stray acknowledgements on. (Runs of an unsharded sampler live in {@link RunProcessor}.)
 */
final class ShardProcessor implements Processor<String, SamplerEvent, String, Routed<Object>> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardProcessor.class);

    private final SamplerMetrics metrics;
    private final int shards;
    private final RunSettings settings;
    private final ReferenceLossTable references;
    private final RunDirectory<RunTable> directory;
    private ProcessorContext<String, Routed<Object>> context;
    private StoreRunStorage storage;
    private RunSpecLookup runSpecs;
    private RunTable table;
    private RunDirectory.Mailbox<RunTable> mailbox;
    private final Map<String, ShardedDraw.Summary> reported = new HashMap<>();
    /** Invalid specs this task reported (partition 0 only). */
    private final Set<RunSpec> refusedSpecs = new HashSet<>();
    private final RunTable.Output output = new RunTable.Output() {
        @Override
        public void batch(final IndexBatchCodec.Batch batch) {
            throw new IllegalStateException("a shard drew batch " + batch.batchSeq() + " of run " + batch.runId());
        }

        @Override
        public void refused(final RunSpec spec, final String reason) {
            if (reportsRefusals()) { // every shard refuses; one reports
                letter(runSpecs.refusal(spec, reason, now()));
            }
        }
    };

    /**
     * @param shards the number of shards (partitions of the shard topic)
     * @param directory where the query API finds this task's table, under {@link RunDirectory#shardKey}
     */
    ShardProcessor(final SamplerMetrics metrics, final int shards, final RunSettings settings,
                   final ReferenceLossTable references, final RunDirectory<RunTable> directory) {
        this.metrics = metrics;
        this.shards = shards;
        this.settings = settings;
        this.references = references;
        this.directory = directory;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<Object>> context) {
        this.context = context;
        // a task revived after an aborted transaction is initialised again: memory must match the restored stores
        reported.clear();
        refusedSpecs.clear();
        runSpecs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
        storage = StoreRunStorage.of(context);
        table = RunTable.shard(storage, settings, metrics, references::of, shards);
        mailbox = new RunDirectory.Mailbox<>(table);
        table.restore(storage.storedRuns(), runId -> true, now());
        table.runIds().forEach(this::register);
        context.schedule(SamplerTopology.SYNC_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(final Record<String, SamplerEvent> record) {
        final SamplerEvent event = record.value();
        final String problem = switch (event.kind()) {
            case POPULATION -> withRun(event.population().runId(), () -> table.samples(event.population().runId(),
                    event.population().fromSeq(), event.population().ids(), event.population().labels(),
                    event.population().grewAt(), now(), output));
            case PREDICTION_BATCH -> withRun(event.predictionBatch().header().getRunId(),
                    () -> table.predictionBatch(event.predictionBatch(), now(), output));
            case PREDICTION -> withRun(event.prediction().getRunId(), () -> table.prediction(event.prediction(), now()));
            case PROGRESS -> passToCoordinator(event);
            case SHARD -> event.shardMessage() instanceof ShardMessage.Grant grant ? onGrant(grant) : null; // Obsolete: dropped
            case SAMPLE -> "malformed: a sample reached a shard's run table, not its population";
        };
        if (problem != null) {
            metrics.deadLetter(problem);
            context.forward(new Record<>(null, Routed.rejected(event.reject(problem, now())), now()));
        }
        mailbox.answer();
    }

    /** Runs {@code work} once the table holds the run, creating it from isgd.runs if it is new here. */
    private String withRun(final String runId, final java.util.function.Supplier<String> work) {
        runSpecs.createIfMissing(runId, table::has, this::apply);
        return work.get();
    }

    private void apply(final RunSpec spec) {
        table.applySpec(spec, now(), output);
        if (table.has(spec.getRunId())) {
            register(spec.getRunId());
        }
    }

    private void register(final String runId) {
        directory.register(RunDirectory.shardKey(runId, context.taskId().partition()), mailbox);
    }

    /**
     * Applies isgd.runs to the runs this shard holds (a run comes here with its first samples of
     * the shard); partition 0 reports the specs that cannot be run. Then the table's periodic work
     * and the summaries that changed.
     */
    private void punctuate(final long now) {
        runSpecs.forEach((runId, spec) -> {
            if (table.has(runId)) {
                apply(spec);
            } else if (reportsRefusals() && refusedSpecs.add(spec)) {
                final String problem = RunTable.checkSpec(spec);
                if (problem != null) {
                    metrics.deadLetter(problem);
                    letter(runSpecs.refusal(spec, problem, now));
                }
            }
        }, this::forwardRefusedSpec);
        table.tick(now, output);
        for (final String runId : table.runIds()) {
            final ShardedDraw.Summary summary = table.summary(runId);
            if (!summary.equals(reported.put(runId, summary))) {
                forwardToCoordinator(new ShardMessage.ShardReport(runId, context.taskId().partition(), summary));
            }
        }
        mailbox.answer();
    }

    /**
     * A run spec the global store refused becomes a dead letter here, exactly once: only the task
     * of partition 0 sends it, and remembers that it did in its changelogged store.
     */
    private void forwardRefusedSpec(final String key, final DeadLetter letter) {
        if (reportsRefusals() && storage.firstReport(key)) {
            letter(letter);
        }
    }

    private boolean reportsRefusals() {
        return context.taskId().partition() == 0;
    }

    /**
     * Draws what a grant asks for, ahead of the batches that will use it; an empty stock if the
     * shard has no sample of the run (the coordinator then stops waiting for it).
     */
    private String onGrant(final ShardMessage.Grant grant) {
        final int shard = context.taskId().partition();
        final ShardStock.Chunk drawn = table.grant(grant.runId(), grant.grant(), shard, grant.count(),
                grant.plan(), grant.totals(), grant.proportional(), now());
        if (drawn == null) {
            LOG.warn("run {}: shard {} was granted {} samples but holds none of the run", grant.runId(), shard,
                    grant.count());
        }
        forwardToCoordinator(new ShardMessage.Stock(grant.runId(), shard, drawn != null ? drawn
                : new ShardStock.Chunk(grant.grant(), now(), new long[0], new int[0], new double[0])));
        return null;
    }

    /**
     * Acknowledgements go from the router to the coordinator directly; one still reaches a shard
     * task if a sampler before that change put it on the shard topic: passed on.
     */
    private String passToCoordinator(final SamplerEvent ack) {
        context.forward(new Record<>(ack.progress().getRunId(), Routed.of(ack), now()));
        return null;
    }

    private void forwardToCoordinator(final ShardMessage message) {
        context.forward(new Record<>(message.runId(), Routed.of(SamplerEvent.of(message)), now()));
    }

    private void letter(final DeadLetter letter) {
        context.forward(new Record<>(null, Routed.rejected(letter), now()));
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    @Override
    public void close() {
        for (final String runId : table.runIds()) {
            directory.unregister(RunDirectory.shardKey(runId, context.taskId().partition()), mailbox);
        }
        LOG.debug("shard task {} closed ({} shards)", context.taskId(), shards);
    }
}
