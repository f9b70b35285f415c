package org.isgd.sampler.run;

import java.util.Arrays;
import org.isgd.sampler.store.SampleState;

/**
 * What a run knows of each sample, indexed by the sample's slot in the run's population (the
 * order samples joined it). The live copy the sampler updates per prediction without a store
 * read; {@link SnapshotSegment}s and the {@link JournalEntry} log are its durable form.
 * {@code lastApply} is the journal entry of the sample's latest prediction, -1 before any:
 * following it, and each entry's pointer to the one before, gives the sample's history.
 *
 * <p>One sample's fields sit side by side in {@link #WORDS} longs of one array, so applying a
 * prediction to a sample of a population of millions touches one or two cache lines, not one per
 * field: at 10M samples, separate arrays per field cost a cache and TLB miss each.
 */
final class SampleColumns {
    /** pCorrect | loss (float bits), gradNormBound | predicted, visits | lastPosition, lastStep, lastBatchSeq, updatedAt, lastApply. */
    static final int WORDS = 7;
    private static final long LOW = 0xFFFF_FFFFL;
    private long[] data = new long[0];
    private int size;

    int size() {
        return size;
    }

    /** Makes room for {@code slots} samples at once. */
    void reserve(final int slots) {
        if ((long) slots * WORDS > data.length) {
            data = Arrays.copyOf(data, Math.multiplyExact(slots, WORDS));
        }
    }

    /** Appends a sample that has no prediction yet; returns its slot. */
    int add() {
        if ((long) (size + 1) * WORDS > data.length) {
            reserve(Math.max(1024, size * 2));
        }
        final int at = size * WORDS;
        Arrays.fill(data, at, at + WORDS, 0L);
        data[at + 2] = pair(0, -1); // no visits, no position
        data[at + 4] = -1L; // lastBatchSeq
        data[at + 6] = -1L; // lastApply
        return size++;
    }

    private static long pair(final int high, final int low) {
        return (long) high << 32 | low & LOW;
    }

    private static int high(final long word) {
        return (int) (word >> 32);
    }

    private static int low(final long word) {
        return (int) word;
    }

    boolean seen(final int slot) {
        return lastApply(slot) >= 0;
    }

    int visits(final int slot) {
        return high(data[slot * WORDS + 2]);
    }

    long lastApply(final int slot) {
        return data[slot * WORDS + 6];
    }

    long lastBatchSeq(final int slot) {
        return data[slot * WORDS + 4];
    }

    int lastPosition(final int slot) {
        return low(data[slot * WORDS + 2]);
    }

    float loss(final int slot) {
        return Float.intBitsToFloat(low(data[slot * WORDS]));
    }

    /** The sample's state, or null if it has no prediction yet. */
    SampleState state(final int slot, final int label) {
        if (!seen(slot)) {
            return null;
        }
        final int at = slot * WORDS;
        final long w0 = data[at];
        final long w1 = data[at + 1];
        final long w2 = data[at + 2];
        return new SampleState(label, Float.intBitsToFloat(high(w0)), Float.intBitsToFloat(low(w0)),
                Float.intBitsToFloat(high(w1)), low(w1), high(w2), data[at + 3], data[at + 4], data[at + 5], low(w2));
    }

    /** Reads the slot's words ahead of {@link #record} (both ends: they may lie on two cache lines); see {@code SamplingPolicy.touch}. */
    long touch(final int slot) {
        final int at = slot * WORDS;
        return data[at] ^ data[at + WORDS - 1];
    }

    /** Records one prediction; {@code trained} counts a visit. Returns the visits after it. */
    int record(final int slot, final float p, final float l, final float g, final int argmax, final boolean trained,
               final long step, final long batchSeq, final int position, final long time, final long apply) {
        final int at = slot * WORDS;
        final int visits = high(data[at + 2]) + (trained ? 1 : 0);
        data[at] = pair(Float.floatToRawIntBits(p), Float.floatToRawIntBits(l));
        data[at + 1] = pair(Float.floatToRawIntBits(g), argmax);
        data[at + 2] = pair(visits, position);
        data[at + 3] = step;
        data[at + 4] = batchSeq;
        data[at + 5] = time;
        data[at + 6] = apply;
        return visits;
    }

    /** Restores a slot from a snapshot: its whole state ({@code state} null: never predicted) and journal pointer. */
    void restore(final int slot, final SampleState state, final long apply) {
        if (state == null) {
            return;
        }
        final int at = slot * WORDS;
        data[at] = pair(Float.floatToRawIntBits(state.pCorrect()), Float.floatToRawIntBits(state.loss()));
        data[at + 1] = pair(Float.floatToRawIntBits(state.gradNormBound()), state.predicted());
        data[at + 2] = pair(state.visits(), state.lastPosition());
        data[at + 3] = state.lastStep();
        data[at + 4] = state.lastBatchSeq();
        data[at + 5] = state.updatedAt();
        data[at + 6] = apply;
    }

    /** Slots {@code [from, to)} with their ids and labels, as one {@link SnapshotSegment}. */
    byte[] segment(final int from, final int to, final long[] ids, final int[] labels) {
        final int n = to - from;
        final java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(SnapshotSegment.bytes(n));
        out.put(SnapshotSegment.FORMAT).putInt(n);
        for (int i = 0; i < n; i++) {
            out.putLong(ids[i]);
        }
        for (int i = 0; i < n; i++) {
            out.putInt(labels[i]);
        }
        // the segment's column layout: pCorrect, loss, gradNormBound; predicted, visits, lastPosition;
        // lastStep, lastBatchSeq, updatedAt, lastApply
        final int[][] floats = {{0, 1}, {0, 0}, {1, 1}};
        for (final int[] f : floats) {
            for (int s = from; s < to; s++) {
                final long w = data[s * WORDS + f[0]];
                out.putInt(f[1] == 1 ? high(w) : low(w));
            }
        }
        final int[][] ints = {{1, 0}, {2, 1}, {2, 0}};
        for (final int[] f : ints) {
            for (int s = from; s < to; s++) {
                final long w = data[s * WORDS + f[0]];
                out.putInt(f[1] == 1 ? high(w) : low(w));
            }
        }
        for (int word = 3; word < WORDS; word++) {
            for (int s = from; s < to; s++) {
                out.putLong(data[s * WORDS + word]);
            }
        }
        return out.array();
    }
}
