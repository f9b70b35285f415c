package org.isgd.sampler.run;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One entry of a run's journal: the append-only record of everything applied to the run's
 * samples, one entry per applied prediction batch or per chunk of samples that joined, indexed by
 * the run's apply count. Restoring a run replays the entries after its last {@link SnapshotSegment}
 * checkpoint; the query API follows the entries' per-row pointers for a sample's history.
 *
 * <p>A predictions entry keeps the {@code PredictionBatch} as it arrived (single-object encoded),
 * with two columns of its own per row: the journal index of the sample's previous prediction
 * ({@code prevApply}, -1 for none) and its visit count after this row ({@code visits}, -1 when the
 * row was refused and not applied).
 *
 * @param kind {@link #PREDICTIONS} or {@link #SAMPLES}
 * @param appliedAt the sampler's clock when the entry was applied, epoch millis (what retention counts from)
 */
record JournalEntry(byte kind, long appliedAt, long[] prevApply, int[] visits, byte[] batch, long fromSeq, long[] ids,
                    int[] labels) {
    static final byte PREDICTIONS = 1;
    static final byte SAMPLES = 2;
    private static final byte FORMAT = 1;

    static JournalEntry predictions(final long appliedAt, final long[] prevApply, final int[] visits, final byte[] batch) {
        return new JournalEntry(PREDICTIONS, appliedAt, prevApply, visits, batch, -1, null, null);
    }

    static JournalEntry samples(final long appliedAt, final long fromSeq, final long[] ids, final int[] labels) {
        return new JournalEntry(SAMPLES, appliedAt, null, null, null, fromSeq, ids, labels);
    }

    /** The entry's {@link #appliedAt} without decoding the rest. */
    static long appliedAt(final byte[] bytes) {
        return ByteBuffer.wrap(bytes, 2, 8).getLong();
    }

    byte[] toBytes() {
        if (kind == PREDICTIONS) {
            final int n = prevApply.length;
            final ByteBuffer out = ByteBuffer.allocate(1 + 1 + 8 + 4 + n * 12 + 4 + batch.length);
            out.put(FORMAT).put(kind).putLong(appliedAt).putInt(n);
            out.asLongBuffer().put(prevApply);
            out.position(out.position() + n * 8);
            out.asIntBuffer().put(visits);
            out.position(out.position() + n * 4);
            return out.putInt(batch.length).put(batch).array();
        }
        final int n = ids.length;
        final ByteBuffer out = ByteBuffer.allocate(1 + 1 + 8 + 8 + 4 + n * 12);
        out.put(FORMAT).put(kind).putLong(appliedAt).putLong(fromSeq).putInt(n);
        out.asLongBuffer().put(ids);
        out.position(out.position() + n * 8);
        out.asIntBuffer().put(labels);
        return out.array();
    }

    static JournalEntry fromBytes(final byte[] bytes) {
        try {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte format = in.get();
            if (format != FORMAT) {
                throw new SerializationException("journal entry: unknown format " + format);
            }
            final byte kind = in.get();
            final long appliedAt = in.getLong();
            if (kind == PREDICTIONS) {
                final int n = in.getInt();
                final long[] prev = new long[n];
                in.asLongBuffer().get(prev);
                in.position(in.position() + n * 8);
                final int[] visits = new int[n];
                in.asIntBuffer().get(visits);
                in.position(in.position() + n * 4);
                final byte[] batch = new byte[in.getInt()];
                in.get(batch);
                return predictions(appliedAt, prev, visits, batch);
            }
            if (kind == SAMPLES) {
                final long fromSeq = in.getLong();
                final int n = in.getInt();
                final long[] ids = new long[n];
                in.asLongBuffer().get(ids);
                in.position(in.position() + n * 8);
                final int[] labels = new int[n];
                in.asIntBuffer().get(labels);
                return samples(appliedAt, fromSeq, ids, labels);
            }
            throw new SerializationException("journal entry: unknown kind " + kind);
        } catch (RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException("journal entry: truncated or corrupt (" + e + ")", e);
        }
    }
}
