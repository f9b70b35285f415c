package org.isgd.sampler.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.contract.AvroSerde;
import org.isgd.schemas.RunSpec;

/**
 * A run's emission state, changelogged with the batches it produced (exactly-once), so a
 * restarted sampler continues at {@code nextBatchSeq} without gap or repeat.
 *
 * @param spec the run spec as last applied
 * @param nextBatchSeq the next batch to emit
 * @param acked last batchSeq acknowledged per rank, -1 before any
 * @param classDraws samples drawn per class label so far
 * @param journal where the run's journal stands (single-task runs; all zero elsewhere)
 */
public record RunProgress(RunSpec spec, long nextBatchSeq, long[] acked, long[] classDraws, Journal journal) {
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT_2 = 2;
    private static final byte FORMAT = 3;

    /**
     * A run's journal: entries {@code [start, next)} are kept, entries before {@code checkpoint}
     * are in the snapshot segments, written at {@code checkpointedAt}; {@code populationSeq} is the
     * last position of the dataset's population log the run has taken in.
     */
    public record Journal(long next, long checkpoint, long start, long populationSeq, long checkpointedAt) {
        public static final Journal EMPTY = new Journal(0, 0, 0, -1, 0);

        public Journal appended(final long entries) {
            return new Journal(next + entries, checkpoint, start, populationSeq, checkpointedAt);
        }

        public Journal withPopulationSeq(final long seq) {
            return new Journal(next, checkpoint, start, seq, checkpointedAt);
        }

        public Journal checkpointed(final long at) {
            return new Journal(next, next, start, populationSeq, at);
        }

        public Journal prunedTo(final long newStart) {
            return new Journal(next, checkpoint, newStart, populationSeq, checkpointedAt);
        }
    }

    public RunProgress(final RunSpec spec, final long nextBatchSeq, final long[] acked, final long[] classDraws) {
        this(spec, nextBatchSeq, acked, classDraws, Journal.EMPTY);
    }

    public RunProgress withJournal(final Journal newJournal) {
        return new RunProgress(spec, nextBatchSeq, acked, classDraws, newJournal);
    }
    private static final AvroSerde<RunSpec> SPEC_SERDE = AvroSerde.of(RunSpec.class);

    public static RunProgress start(final RunSpec spec) {
        final long[] acked = new long[spec.getWorldSize()];
        Arrays.fill(acked, -1L);
        return new RunProgress(spec, 0L, acked, new long[0]);
    }

    public RunProgress withSpec(final RunSpec newSpec) {
        final long[] resized = Arrays.copyOf(acked, newSpec.getWorldSize());
        for (int rank = acked.length; rank < resized.length; rank++) {
            resized[rank] = -1L;
        }
        return new RunProgress(newSpec, nextBatchSeq, resized, classDraws, journal);
    }

    /** After batch {@code nextBatchSeq} was emitted with samples of these labels. */
    public RunProgress afterBatch(final int[] labels) {
        long[] draws = classDraws;
        for (final int label : labels) {
            if (label >= draws.length) {
                draws = java.util.Arrays.copyOf(draws, label + 1);
            } else if (draws == classDraws) {
                draws = draws.clone();
            }
            draws[label]++;
        }
        return new RunProgress(spec, nextBatchSeq + 1, acked, draws, journal);
    }

    /** The dead-letter reason of an acknowledgement that cannot apply. */
    public static final String BAD_ACK = "bad-ack";

    /** Why an acknowledgement cannot apply to this run ("bad-ack: …"), or null if it can. */
    public String ackProblem(final org.isgd.schemas.TrainerProgress ack) {
        if (ack.getRank() >= acked.length) {
            return BAD_ACK + ": rank " + ack.getRank() + " but run " + spec.getRunId() + " has worldSize " + acked.length;
        }
        if (ack.getBatchSeq() >= nextBatchSeq) {
            return BAD_ACK + ": batch " + ack.getBatchSeq() + " of run " + spec.getRunId() + " was never emitted (next is "
                    + nextBatchSeq + ")";
        }
        return null;
    }

    public RunProgress withAck(final int rank, final long batchSeq) {
        final long[] copy = acked.clone();
        copy[rank] = Math.max(copy[rank], batchSeq);
        return new RunProgress(spec, nextBatchSeq, copy, classDraws, journal);
    }

    public byte[] toBytes() {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(nextBatchSeq);
            out.writeInt(acked.length);
            for (final long a : acked) {
                out.writeLong(a);
            }
            final byte[] specBytes = specBytes(spec);
            out.writeInt(specBytes.length);
            out.write(specBytes);
            out.writeInt(classDraws.length);
            for (final long d : classDraws) {
                out.writeLong(d);
            }
            out.writeLong(journal.next());
            out.writeLong(journal.checkpoint());
            out.writeLong(journal.start());
            out.writeLong(journal.populationSeq());
            out.writeLong(journal.checkpointedAt());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new SerializationException("cannot encode run progress of " + spec.getRunId(), e);
        }
    }

    /**
     * The spec's encoding, remembered for the last spec this thread encoded: a run's progress is
     * saved after every batch with the same spec object, and encoding it each time was a seventh
     * of the sampler's time when emitting (bench sampler, JFR).
     */
    private static final ThreadLocal<Object[]> LAST_SPEC = ThreadLocal.withInitial(() -> new Object[2]);

    private static byte[] specBytes(final RunSpec spec) {
        final Object[] last = LAST_SPEC.get();
        if (last[0] != spec) {
            last[1] = SPEC_SERDE.encode(spec);
            last[0] = spec;
        }
        return (byte[]) last[1];
    }

    public static RunProgress fromBytes(final byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            final byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_2 && format != FORMAT_1) {
                throw new SerializationException("run progress: unknown format " + format);
            }
            final long next = in.readLong();
            final long[] acked = new long[in.readInt()];
            for (int i = 0; i < acked.length; i++) {
                acked[i] = in.readLong();
            }
            final byte[] specBytes = in.readNBytes(in.readInt());
            final long[] draws = new long[format == FORMAT_1 ? 0 : in.readInt()];
            for (int i = 0; i < draws.length; i++) {
                draws[i] = in.readLong();
            }
            final Journal journal = format == FORMAT
                    ? new Journal(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong())
                    : Journal.EMPTY;
            return new RunProgress(SPEC_SERDE.decode(specBytes), next, acked, draws, journal);
        } catch (IOException e) {
            throw new SerializationException("cannot decode run progress", e);
        }
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof RunProgress p && p.spec.equals(spec) && p.nextBatchSeq == nextBatchSeq
                && Arrays.equals(p.acked, acked) && Arrays.equals(p.classDraws, classDraws) && p.journal.equals(journal);
    }

    @Override
    public int hashCode() {
        return spec.hashCode() * 31 + Long.hashCode(nextBatchSeq) * 17 + Arrays.hashCode(acked);
    }

    @Override
    public String toString() {
        return "RunProgress{" + spec.getRunId() + ", next=" + nextBatchSeq + ", acked=" + Arrays.toString(acked) + "}";
    }
}
