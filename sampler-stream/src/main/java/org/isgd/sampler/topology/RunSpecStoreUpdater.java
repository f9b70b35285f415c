package org.isgd.sampler.topology;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.isgd.contract.AvroSerde;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.RunSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every instance's copy of isgd.runs. A global store cannot forward records, so a spec
 * that does not decode is kept in the store as a dead letter under a key of its own; one stream
 * task sends it on to isgd.dead-letters exactly once (see RunProcessor). A spec that decodes
 * but cannot be run (unknown policy, bad sizes) is refused by the task that owns its dataset; the
 * spec's partition and offset are kept beside it so that that dead letter names them too.
 */
final class RunSpecStoreUpdater implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(RunSpecStoreUpdater.class);
    private static final AvroSerde<RunSpec> SPECS = AvroSerde.of(RunSpec.class);
    private static final AvroSerde<DeadLetter> LETTERS = AvroSerde.of(DeadLetter.class);

    private final SamplerMetrics metrics;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> runs;

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
        final String problem = problem(record);
        final RecordMetadata meta = context.recordMetadata().orElseThrow();
        if (problem == null) {
            if (record.value() == null) {
                runs.delete(record.key());
                runs.delete(StoreKeys.RUN_POSITION_PREFIX + record.key());
            } else {
                runs.put(record.key(), record.value());
                runs.put(StoreKeys.RUN_POSITION_PREFIX + record.key(), RunSpecLookup.position(meta.partition(),
                        meta.offset()));
            }
            return;
        }
        metrics.deadLetter(problem);
        LOG.warn("refused run spec at {}-{}@{}: {}", meta.topic(), meta.partition(), meta.offset(), problem);
        final DeadLetter letter = DeadLetters.of(meta.topic(), meta.partition(), meta.offset(),
                record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                record.value(), problem, record.timestamp());
        runs.put(StoreKeys.REFUSED_RUN_PREFIX + String.format("%d/%019d", meta.partition(), meta.offset()),
                LETTERS.encode(letter));
    }

    private static String problem(final Record<String, byte[]> record) {
        if (record.key() == null || record.key().isEmpty() || Character.isISOControl(record.key().charAt(0))) {
            return "malformed: a run spec needs its runId as key, was " + (record.key() == null ? "null" : "'" + record.key() + "'");
        }
        if (record.value() == null) {
            return null; // a tombstone deletes the run
        }
        if (record.value().length > Validation.MAX_VALUE_BYTES) {
            return Validation.OVERSIZED + ": run spec of " + record.value().length + " bytes";
        }
        try {
            final RunSpec spec = SPECS.decode(record.value());
            return spec.getRunId().equals(record.key()) ? null
                    : Validation.KEY_MISMATCH + ": key '" + record.key() + "' but runId '" + spec.getRunId() + "'";
        } catch (SerializationException e) {
            return "malformed: " + e.getMessage();
        }
    }
}
