package org.isgd.sampler.topology;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.AvroSerde;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every instance's copy of isgd.runs. A global store cannot forward, so a spec that does
 * not decode is logged and counted here; a spec that decodes but cannot be run (unknown policy,
 * bad sizes) is refused by the task that owns its dataset, which can write the dead letter.
 */
final class RunSpecStoreUpdater implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(RunSpecStoreUpdater.class);
    private static final AvroSerde<RunSpec> SERDE = AvroSerde.of(RunSpec.class);

    private final SamplerMetrics metrics;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, RunSpec> runs;

    RunSpecStoreUpdater(final SamplerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(final ProcessorContext<Void, Void> context) {
        this.context = context;
        this.runs = context.getStateStore(StoreKeys.RUNS_GLOBAL);
    }

    @Override
    public void process(final Record<String, byte[]> record) {
        if (record.key() == null) {
            refuse("malformed: run spec without a key");
            return;
        }
        if (record.value() == null) {
            runs.delete(record.key());
            return;
        }
        try {
            final RunSpec spec = SERDE.decode(record.value());
            if (!spec.getRunId().equals(record.key())) {
                refuse(Validation.KEY_MISMATCH + ": key '" + record.key() + "' but runId '" + spec.getRunId() + "'");
                return;
            }
            runs.put(record.key(), spec);
        } catch (SerializationException e) {
            refuse("malformed: " + e.getMessage());
        }
    }

    private void refuse(final String reason) {
        metrics.deadLetter(reason);
        LOG.error("ignored record {} of {}: {}", context.recordMetadata().map(m -> m.partition() + "@" + m.offset())
                .orElse("?"), StoreKeys.RUNS_GLOBAL, reason);
    }
}
