package org.isgd.contract;

import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.IrreducibleLosses;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;

/** The topics of the wire contract (docs/contract.md), each with its key and value serdes. */
public final class Topics {
    public static final String PREFIX = "isgd.";

    /** Labelled samples; key sampleId. Co-partitioned with {@link #PREDICTIONS}. */
    public static final Topic<Long, SampleRegistered> SAMPLES =
            new Topic<>(PREFIX + "samples", Serdes.Long(), AvroSerde.of(SampleRegistered.class));
    /** Run specifications; key runId; compacted, read by every sampler instance. */
    public static final Topic<String, RunSpec> RUNS =
            new Topic<>(PREFIX + "runs", Serdes.String(), AvroSerde.of(RunSpec.class));
    /**
     * One record per trained batch: its acknowledgement and a row per scored sample; key runId,
     * partitioned as Java's default partitioner does (murmur2), so it reaches the sampler task
     * that owns the run directly.
     */
    public static final Topic<String, PredictionBatch> PREDICTION_BATCHES =
            new Topic<>(PREFIX + "prediction-batches", Serdes.String(), AvroSerde.of(PredictionBatch.class));
    /** Deprecated (use {@link #PREDICTION_BATCHES}): one record per trained sample; key sampleId. */
    public static final Topic<Long, SamplePrediction> PREDICTIONS =
            new Topic<>(PREFIX + "predictions", Serdes.Long(), AvroSerde.of(SamplePrediction.class));
    /** Deprecated (use {@link #PREDICTION_BATCHES}): one acknowledgement per trained batch; key runId. */
    public static final Topic<String, TrainerProgress> PROGRESS =
            new Topic<>(PREFIX + "progress", Serdes.String(), AvroSerde.of(TrainerProgress.class));
    /** Weighted index batches for trainers; key runId. */
    public static final Topic<String, IndexBatch> BATCHES =
            new Topic<>(PREFIX + "batches", Serdes.String(), AvroSerde.of(IndexBatch.class));
    /**
     * Irreducible losses of a dataset's samples (RHO-LOSS), in chunks; key dataset; kept forever.
     * Read by trainers of {@code rho-loss} runs; the sampler does not need them.
     */
    public static final Topic<String, IrreducibleLosses> IRREDUCIBLE_LOSSES =
            new Topic<>(PREFIX + "irreducible-losses", Serdes.String(), AvroSerde.of(IrreducibleLosses.class));
    /** Records that could not be processed, with the reason; key as received. */
    public static final Topic<byte[], DeadLetter> DEAD_LETTERS =
            new Topic<>(PREFIX + "dead-letters", Serdes.ByteArray(), AvroSerde.of(DeadLetter.class));

    public static final List<Topic<?, ?>> ALL =
            List.of(SAMPLES, RUNS, PREDICTION_BATCHES, PREDICTIONS, PROGRESS, BATCHES, DEAD_LETTERS, IRREDUCIBLE_LOSSES);

    private Topics() {
    }

    /** Raw bytes for values, so a consumer can send what it cannot decode to the dead letters. */
    public static Serde<byte[]> rawValues() {
        return Serdes.ByteArray();
    }
}
