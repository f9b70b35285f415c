package org.isgd.sampler.topology;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.isgd.sampler.run.PredictionRows;
import org.isgd.sampler.run.RunTable;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;

/**
 * Decodes one input topic, checks its fields, and keys each record by the task it is for: a
 * sample by its dataset, a prediction batch, prediction or acknowledgement by its run (in a
 * sharded sampler, samples and predictions by their shard). A record that does not decode,
 * fails a field check, or names an unknown run becomes a dead letter.
 */
final class EventRouter implements Processor<byte[], byte[], String, Routed<SamplerEvent>> {
    static final String UNKNOWN_RUN = RunTable.UNKNOWN_RUN;
    /** A prediction batch of {@link PredictionRows#MAX_ROWS} rows with every column is 2.2 MB. */
    static final int MAX_BATCH_BYTES = 3 * 1024 * 1024;

    private final SamplerEvent.Kind kind;
    private final SamplerMetrics metrics;
    /** Sharded mode: samples and predictions keyed by dataset/sample (so every task holds a shard), progress by run. */
    private final boolean sharded;
    /** The shards of a sharded sampler (partitions of its shard topic), 1 without. */
    private final int shards;
    private ProcessorContext<String, Routed<SamplerEvent>> context;
    private RunSpecLookup runs;

    /** @param shards the shards of a sharded sampler, 1 for the single-task topology */
    EventRouter(final SamplerEvent.Kind kind, final SamplerMetrics metrics, final int shards) {
        this.kind = kind;
        this.metrics = metrics;
        this.shards = shards;
        this.sharded = shards > 1;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<SamplerEvent>> context) {
        this.context = context;
        this.runs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        final RecordMetadata meta = context.recordMetadata().orElseThrow();
        final int limit = kind == SamplerEvent.Kind.PREDICTION_BATCH ? MAX_BATCH_BYTES : Validation.MAX_VALUE_BYTES;
        if (record.value() != null && record.value().length > limit) {
            reject(record, meta, Validation.OVERSIZED + ": " + record.value().length + " bytes, at most " + limit
                    + " expected");
            return;
        }
        final Object decoded;
        try {
            decoded = SamplerEvent.decode(kind, record.value());
        } catch (SerializationException e) {
            reject(record, meta, "malformed: " + e.getMessage());
            return;
        }
        final String[] keyOrProblem = route(record.key(), decoded);
        if (keyOrProblem[1] != null) {
            reject(record, meta, keyOrProblem[1]);
            return;
        }
        if (sharded && kind == SamplerEvent.Kind.PREDICTION_BATCH) {
            split(record, (PredictionRows) decoded, meta);
            return;
        }
        final SamplerEvent event = SamplerEvent.of(kind, meta.partition(), meta.offset(), record.key(), record.value(),
                decoded);
        context.forward(new Record<>(keyOrProblem[0], Routed.of(event), record.timestamp()));
    }

    /**
     * A sharded run's prediction batch: one part per shard with the rows of its samples (same
     * header), each keyed by one of its samples so that it lands on that shard, then the
     * acknowledgement to the run's coordinator. A batch with no rows or too many is refused whole.
     */
    private void split(final Record<byte[], byte[]> record, final PredictionRows rows, final RecordMetadata meta) {
        final org.isgd.schemas.PredictionBatch header = rows.header();
        final RunSpec spec = runs.get(header.getRunId());
        final String sizeProblem = RunTable.sizeProblem(spec, rows);
        if (sizeProblem != null) {
            reject(record, meta, sizeProblem);
            return;
        }
        final String dataset = spec.getDataset();
        final PredictionRows[] parts = rows.split(i -> SamplerTopology.shardOf(dataset, rows.ids()[i], shards), shards);
        for (final PredictionRows part : parts) {
            if (part != null) {
                context.forward(new Record<>(dataset + "/" + part.ids()[0], Routed.of(SamplerEvent.of(
                        SamplerEvent.Kind.PREDICTION_BATCH, meta.partition(), meta.offset(), record.key(), part.raw(),
                        part)), record.timestamp()));
            }
        }
        final TrainerProgress ack = new TrainerProgress(header.getRunId(), header.getRank(), header.getBatchSeq(),
                header.getStep(), header.getTrainLoss(), header.getTimestamp());
        context.forward(new Record<>(header.getRunId(), Routed.of(SamplerEvent.of(SamplerEvent.Kind.PROGRESS,
                meta.partition(), meta.offset(), null,
                org.isgd.contract.Topics.PROGRESS.valueSerde().serializer().serialize(null, ack), ack)), record.timestamp()));
    }

    /**
     * {key, null} or {null, reason}. Samples go to their dataset's task (sharded: to their shard,
     * by dataset/sampleId); predictions and acknowledgements to their run's task (sharded:
     * predictions to their sample's shard, acknowledgements to the run's coordinator).
     */
    private String[] route(final byte[] key, final Object decoded) {
        return switch (kind) {
            case SAMPLE -> {
                final var sample = (org.isgd.schemas.SampleRegistered) decoded;
                final String problem = Validation.sample(key, sample);
                yield problem != null ? new String[] {null, problem}
                        : new String[] {sharded ? sample.getDataset() + "/" + sample.getSampleId() : sample.getDataset(), null};
            }
            case PREDICTION -> {
                final SamplePrediction p = (SamplePrediction) decoded;
                final String problem = Validation.prediction(key, p);
                final String[] dataset = problem != null ? new String[] {null, problem} : datasetOf(p.getRunId());
                yield dataset[1] != null || !sharded ? new String[] {dataset[1] == null ? p.getRunId() : null, dataset[1]}
                        : new String[] {dataset[0] + "/" + p.getSampleId(), null};
            }
            case PROGRESS -> {
                final TrainerProgress p = (TrainerProgress) decoded;
                yield byRun(p.getRunId(), Validation.progress(p));
            }
            case PREDICTION_BATCH -> {
                final String runId = ((PredictionRows) decoded).header().getRunId();
                yield byRun(runId, Validation.runKey(key, runId));
            }
            case SHARD, POPULATION -> new String[] {null, "malformed: an internal sampler message on a contract topic"};
        };
    }

    /** {runId, null} for a known run without a field problem, else {null, reason}. */
    private String[] byRun(final String runId, final String problem) {
        final String[] dataset = problem != null ? new String[] {null, problem} : datasetOf(runId);
        return new String[] {dataset[1] == null ? runId : null, dataset[1]};
    }

    /** {dataset, null} for a known run, else {null, reason}. */
    private String[] datasetOf(final String runId) {
        final RunSpec spec = runId == null ? null : runs.get(runId);
        return spec == null
                ? new String[] {null, UNKNOWN_RUN + ": no run '" + runId + "' on isgd.runs; create it with 'isgd run create'"}
                : new String[] {spec.getDataset(), null};
    }

    private void reject(final Record<byte[], byte[]> record, final RecordMetadata meta, final String reason) {
        metrics.deadLetter(reason);
        context.forward(new Record<>(null, Routed.rejected(DeadLetters.of(meta.topic(), meta.partition(),
                meta.offset(), record.key(), record.value(), reason, context.currentSystemTimeMs())),
                record.timestamp()));
    }
}
