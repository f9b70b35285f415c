package org.isgd.sampler.run;

import java.util.Arrays;
import org.isgd.sampler.store.SampleState;

/**
 * What a run knows of each sample, indexed by the sample's slot in the run's population (the
 * order samples joined it). The live copy the sampler updates per prediction without a store
 * read; {@link SnapshotSegment}s and the {@link JournalEntry} log are its durable form. A sample's
 * latest prediction batch is an entry of {@link LatestBatches}: its journal entry ({@code
 * lastApply}, -1 before any: following it, and each entry's pointer to the one before, gives the
 * sample's history) and the step, batchSeq and time of its header, kept once per batch.
 *
 * <p>One sample's fields sit side by side in {@link #WORDS} longs of one array, so applying a
 * prediction to a sample of a population of millions touches one or two cache lines, not one per
 * field: at 10M samples, separate arrays per field cost a cache and TLB miss each. Four longs a
 * sample (320 MB at 10M) instead of seven (560 MB, when the batch's header was copied into every
 * sample) take a 10M-sample run's live heap from ~860 MB to ~600 MB.
 */
final class SampleColumns {
    /** pCorrect | loss (float bits), gradNormBound | predicted, visits | lastPosition, latest batch entry (-1 none). */
    static final int WORDS = 4;
    private static final long LOW = 0xFFFF_FFFFL;
    private long[] data = new long[0];
    private int size;
    private final LatestBatches batches = new LatestBatches();

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
        data[at + 3] = -1L; // no prediction
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
        return latest(slot) >= 0;
    }

    private int latest(final int slot) {
        return (int) data[slot * WORDS + 3];
    }

    /** Batches that are some sample's latest (see {@link LatestBatches}). */
    int latestBatches() {
        return batches.size();
    }

    int visits(final int slot) {
        return high(data[slot * WORDS + 2]);
    }

    long lastApply(final int slot) {
        final int latest = latest(slot);
        return latest < 0 ? -1 : batches.journal(latest);
    }

    long lastBatchSeq(final int slot) {
        final int latest = latest(slot);
        return latest < 0 ? -1 : batches.batchSeq(latest);
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
        final int latest = (int) data[at + 3];
        return new SampleState(label, Float.intBitsToFloat(high(w0)), Float.intBitsToFloat(low(w0)),
                Float.intBitsToFloat(high(w1)), low(w1), high(w2), batches.step(latest), batches.batchSeq(latest),
                batches.time(latest), low(w2));
    }

    /**
     * Reads the slot's words ahead of {@link #record} (both ends: they may lie on two cache lines),
     * and the count of its latest batch; see {@code SamplingPolicy.touch}.
     */
    long touch(final int slot) {
        final int at = slot * WORDS;
        final long last = data[at + WORDS - 1];
        return data[at] ^ last ^ (last < 0 ? 0 : batches.touch((int) last));
    }

    /** Records one prediction; {@code trained} counts a visit. Returns the visits after it. */
    int record(final int slot, final float p, final float l, final float g, final int argmax, final boolean trained,
               final long step, final long batchSeq, final int position, final long time, final long apply) {
        final int at = slot * WORDS;
        final int visits = high(data[at + 2]) + (trained ? 1 : 0);
        data[at] = pair(Float.floatToRawIntBits(p), Float.floatToRawIntBits(l));
        data[at + 1] = pair(Float.floatToRawIntBits(g), argmax);
        data[at + 2] = pair(visits, position);
        point(at, batches.of(apply, step, batchSeq, time));
        return visits;
    }

    /** Makes the slot at {@code at} point at batch entry {@code entry}, releasing the one it pointed at. */
    private void point(final int at, final int entry) {
        final int before = (int) data[at + 3];
        batches.retain(entry); // before the release: a sample twice in one batch keeps its entry
        if (before >= 0) {
            batches.release(before);
        }
        data[at + 3] = entry;
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
        point(at, batches.of(apply, state.lastStep(), state.lastBatchSeq(), state.updatedAt()));
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
        // lastStep, lastBatchSeq, updatedAt, lastApply: from each slot's latest batch (0, -1, 0, -1: none)
        for (int field = 0; field < 4; field++) {
            for (int s = from; s < to; s++) {
                final int latest = latest(s);
                out.putLong(latest < 0 ? (field % 2 == 0 ? 0 : -1) : switch (field) {
                    case 0 -> batches.step(latest);
                    case 1 -> batches.batchSeq(latest);
                    case 2 -> batches.time(latest);
                    default -> batches.journal(latest);
                });
            }
        }
        return out.array();
    }
}
