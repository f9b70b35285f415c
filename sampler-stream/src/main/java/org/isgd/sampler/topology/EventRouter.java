package org.isgd.sampler.topology;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.TrainerProgress;

/**
 * Decodes one input topic and re-keys each record by the dataset it belongs to, so that one
 * task sees a dataset's samples and every prediction and acknowledgement of its runs. A record
 * that does not decode, fails a field check, or names an unknown run becomes a dead letter.
 */
final class EventRouter implements Processor<byte[], byte[], String, Routed<SamplerEvent>> {
    static final String UNKNOWN_RUN = "unknown-run";

    private final SamplerEvent.Kind kind;
    private final SamplerMetrics metrics;
    /** Sharded mode: samples and predictions keyed by sample (so every task holds a shard), progress by run. */
    private final boolean sharded;
    private ProcessorContext<String, Routed<SamplerEvent>> context;
    private RunSpecLookup runs;

    EventRouter(final SamplerEvent.Kind kind, final SamplerMetrics metrics, final boolean sharded) {
        this.kind = kind;
        this.metrics = metrics;
        this.sharded = sharded;
    }

    @Override
    public void init(final ProcessorContext<String, Routed<SamplerEvent>> context) {
        this.context = context;
        this.runs = new RunSpecLookup(context.getStateStore(StoreKeys.RUNS_GLOBAL));
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        final RecordMetadata meta = context.recordMetadata().orElseThrow();
        if (record.value() != null && record.value().length > Validation.MAX_VALUE_BYTES) {
            reject(record, meta, Validation.OVERSIZED + ": " + record.value().length + " bytes, at most "
                    + Validation.MAX_VALUE_BYTES + " expected");
            return;
        }
        final Object decoded;
        try {
            decoded = SamplerEvent.decode(kind, record.value());
        } catch (SerializationException e) {
            reject(record, meta, "malformed: " + e.getMessage());
            return;
        }
        final String[] datasetOrProblem = route(record.key(), decoded);
        if (sharded && datasetOrProblem[1] == null) {
            if (decoded instanceof org.isgd.schemas.SampleRegistered s) {
                datasetOrProblem[0] = s.getDataset() + "/" + s.getSampleId();
            } else if (decoded instanceof SamplePrediction p) {
                datasetOrProblem[0] = datasetOrProblem[0] + "/" + p.getSampleId();
            } else if (decoded instanceof TrainerProgress p) {
                datasetOrProblem[0] = p.getRunId();
            }
        }
        if (datasetOrProblem[1] != null) {
            reject(record, meta, datasetOrProblem[1]);
            return;
        }
        final SamplerEvent event = new SamplerEvent(kind, meta.partition(), meta.offset(), record.key(),
                record.value(), decoded);
        context.forward(new Record<>(datasetOrProblem[0], Routed.of(event), record.timestamp()));
    }

    /** {dataset, null} or {null, reason}. */
    private String[] route(final byte[] key, final Object decoded) {
        return switch (kind) {
            case SAMPLE -> {
                final var sample = (org.isgd.schemas.SampleRegistered) decoded;
                yield new String[] {sample.getDataset(), Validation.sample(key, sample)};
            }
            case PREDICTION -> {
                final SamplePrediction p = (SamplePrediction) decoded;
                final String problem = Validation.prediction(key, p);
                yield problem != null ? new String[] {null, problem} : datasetOf(p.getRunId());
            }
            case PROGRESS -> {
                final TrainerProgress p = (TrainerProgress) decoded;
                final String problem = Validation.progress(p);
                yield problem != null ? new String[] {null, problem} : datasetOf(p.getRunId());
            }
            case SHARD -> new String[] {null, "malformed: an internal sampler message on a contract topic"};
        };
    }

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
