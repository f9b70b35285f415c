package org.isgd.sampler.topology;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Topics;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;

/**
 * An input record on its way to the task that owns its dataset, with where it came from, so a
 * record refused there still goes to the dead letters whole, with its original coordinates.
 */
public final class SamplerEvent {
    /** The contract topic an event came from; the tag byte on the repartition topic. */
    public enum Kind {
        SAMPLE(Topics.SAMPLES.name()), PREDICTION(Topics.PREDICTIONS.name()), PROGRESS(Topics.PROGRESS.name()),
        /** Between the shards and the coordinator of a sharded run (internal topics only). */
        SHARD(SamplerTopology.SHARD_EVENTS),
        /** A trainer's prediction batch (the batched contract). */
        PREDICTION_BATCH(Topics.PREDICTION_BATCHES.name()),
        /** Samples of a dataset for one of its runs, from the dataset's task to the run's (internal). */
        POPULATION(SamplerTopology.BY_RUN);

        private final String topic;

        Kind(final String topic) {
            this.topic = topic;
        }

        public String topic() {
            return topic;
        }
    }

    private static final AvroSerde<SampleRegistered> SAMPLES = AvroSerde.of(SampleRegistered.class);
    private static final AvroSerde<SamplePrediction> PREDICTIONS = AvroSerde.of(SamplePrediction.class);
    private static final AvroSerde<TrainerProgress> PROGRESS = AvroSerde.of(TrainerProgress.class);

    private final Kind kind;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final Object decoded;

    SamplerEvent(final Kind kind, final int partition, final long offset, final byte[] key, final byte[] value,
                 final Object decoded) {
        this.kind = kind;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
        this.decoded = decoded;
    }

    public Kind kind() {
        return kind;
    }

    public SampleRegistered sample() {
        return (SampleRegistered) decoded;
    }

    public SamplePrediction prediction() {
        return (SamplePrediction) decoded;
    }

    public TrainerProgress progress() {
        return (TrainerProgress) decoded;
    }

    ShardMessage shardMessage() {
        return (ShardMessage) decoded;
    }

    public org.isgd.sampler.run.PredictionRows predictionBatch() {
        return (org.isgd.sampler.run.PredictionRows) decoded;
    }

    PopulationChunk population() {
        return (PopulationChunk) decoded;
    }

    /** Where the event came from: the partition of its contract topic, -1 for internal messages. */
    int partition() {
        return partition;
    }

    byte[] key() {
        return key;
    }

    byte[] value() {
        return value;
    }

    /** An event that arrived on a contract topic, with its coordinates (decoded lazily by {@link #decode}). */
    static SamplerEvent of(final Kind kind, final int partition, final long offset, final byte[] key, final byte[] value,
                           final Object decoded) {
        return new SamplerEvent(kind, partition, offset, key, value, decoded);
    }

    /** Samples for a run, as an event on the sampler's internal topics. */
    static SamplerEvent of(final PopulationChunk chunk) {
        return new SamplerEvent(Kind.POPULATION, -1, -1L, null, chunk.encode(), chunk);
    }

    /** An internal message of a sharded run, as an event on the sampler's internal topics. */
    static SamplerEvent of(final ShardMessage message) {
        return new SamplerEvent(Kind.SHARD, -1, -1L, null, ShardMessage.encode(message), message);
    }

    /** The dead letter for this event, with its original topic, partition, offset, key and value. */
    public org.isgd.schemas.DeadLetter reject(final String reason, final long now) {
        return DeadLetters.of(kind.topic(), partition, offset, key, value, reason, now);
    }

    static Object decode(final Kind kind, final byte[] value) {
        return switch (kind) {
            case SAMPLE -> SAMPLES.decode(value);
            case PREDICTION -> PREDICTIONS.decode(value);
            case PROGRESS -> PROGRESS.decode(value);
            case SHARD -> ShardMessage.decode(value);
            case PREDICTION_BATCH -> org.isgd.sampler.run.PredictionRows.decode(value);
            case POPULATION -> PopulationChunk.decode(value);
        };
    }

    /** Serde for the repartition topic: kind, origin partition and offset, key, value. */
    public static Serde<SamplerEvent> serde() {
        final Serializer<SamplerEvent> serializer = (topic, event) -> {
            final int keyLength = event.key == null ? -1 : event.key.length;
            final ByteBuffer out = ByteBuffer.allocate(1 + 4 + 8 + 4 + Math.max(0, keyLength) + event.value.length);
            out.put((byte) event.kind.ordinal()).putInt(event.partition).putLong(event.offset).putInt(keyLength);
            if (event.key != null) {
                out.put(event.key);
            }
            return out.put(event.value).array();
        };
        final Deserializer<SamplerEvent> deserializer = (topic, bytes) -> {
            try {
                final ByteBuffer in = ByteBuffer.wrap(bytes);
                final Kind kind = Kind.values()[in.get()];
                final int partition = in.getInt();
                final long offset = in.getLong();
                final int keyLength = in.getInt();
                final byte[] key = keyLength < 0 ? null : new byte[keyLength];
                if (key != null) {
                    in.get(key);
                }
                final byte[] value = new byte[in.remaining()];
                in.get(value);
                return new SamplerEvent(kind, partition, offset, key, value, decode(kind, value));
            } catch (RuntimeException e) {
                throw new SerializationException("corrupt sampler event on the repartition topic " + topic, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
