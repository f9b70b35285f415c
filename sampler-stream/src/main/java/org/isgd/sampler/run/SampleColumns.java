package org.isgd.sampler.run;

import java.util.Arrays;
import org.isgd.sampler.store.SampleState;

/**
 * What a run knows of each sample, one primitive array per field, indexed by the sample's slot
 * in the run's population (the order samples joined it). The live copy the sampler updates per
 * prediction without a store read; {@link SnapshotSegment}s and the {@link JournalEntry} log are
 * its durable form. {@code lastApply} is the journal entry of the sample's latest prediction, -1
 * before any: following it, and each entry's pointer to the one before, gives the sample's history.
 */
final class SampleColumns {
    private int size;
    private float[] pCorrect = new float[0];
    private float[] loss = new float[0];
    private float[] gradNormBound = new float[0];
    private int[] predicted = new int[0];
    private int[] visits = new int[0];
    private int[] lastPosition = new int[0];
    private long[] lastStep = new long[0];
    private long[] lastBatchSeq = new long[0];
    private long[] updatedAt = new long[0];
    private long[] lastApply = new long[0];

    int size() {
        return size;
    }

    /** Makes room for {@code slots} samples at once. */
    void reserve(final int slots) {
        if (slots > pCorrect.length) {
            resize(slots);
        }
    }

    /** Appends a sample that has no prediction yet; returns its slot. */
    int add() {
        if (size == pCorrect.length) {
            resize(Math.max(1024, size * 2));
        }
        visits[size] = 0;
        lastApply[size] = -1;
        lastBatchSeq[size] = -1;
        lastPosition[size] = -1;
        return size++;
    }

    private void resize(final int capacity) {
        pCorrect = Arrays.copyOf(pCorrect, capacity);
        loss = Arrays.copyOf(loss, capacity);
        gradNormBound = Arrays.copyOf(gradNormBound, capacity);
        predicted = Arrays.copyOf(predicted, capacity);
        visits = Arrays.copyOf(visits, capacity);
        lastPosition = Arrays.copyOf(lastPosition, capacity);
        lastStep = Arrays.copyOf(lastStep, capacity);
        lastBatchSeq = Arrays.copyOf(lastBatchSeq, capacity);
        updatedAt = Arrays.copyOf(updatedAt, capacity);
        lastApply = Arrays.copyOf(lastApply, capacity);
    }

    boolean seen(final int slot) {
        return lastApply[slot] >= 0 || visits[slot] > 0;
    }

    int visits(final int slot) {
        return visits[slot];
    }

    long lastApply(final int slot) {
        return lastApply[slot];
    }

    long lastBatchSeq(final int slot) {
        return lastBatchSeq[slot];
    }

    int lastPosition(final int slot) {
        return lastPosition[slot];
    }

    float loss(final int slot) {
        return loss[slot];
    }

    /** The sample's state, or null if it has no prediction yet. */
    SampleState state(final int slot, final int label) {
        if (!seen(slot)) {
            return null;
        }
        return new SampleState(label, pCorrect[slot], loss[slot], gradNormBound[slot], predicted[slot], visits[slot],
                lastStep[slot], lastBatchSeq[slot], updatedAt[slot], lastPosition[slot]);
    }

    /** Records one prediction; {@code trained} counts a visit. Returns the visits after it. */
    int record(final int slot, final float p, final float l, final float g, final int argmax, final boolean trained,
               final long step, final long batchSeq, final int position, final long time, final long apply) {
        pCorrect[slot] = p;
        loss[slot] = l;
        gradNormBound[slot] = g;
        predicted[slot] = argmax;
        if (trained) {
            visits[slot]++;
        }
        lastStep[slot] = step;
        lastBatchSeq[slot] = batchSeq;
        lastPosition[slot] = position;
        updatedAt[slot] = time;
        lastApply[slot] = apply;
        return visits[slot];
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
        for (int s = from; s < to; s++) {
            out.putFloat(pCorrect[s]);
        }
        for (int s = from; s < to; s++) {
            out.putFloat(loss[s]);
        }
        for (int s = from; s < to; s++) {
            out.putFloat(gradNormBound[s]);
        }
        for (int s = from; s < to; s++) {
            out.putInt(predicted[s]);
        }
        for (int s = from; s < to; s++) {
            out.putInt(visits[s]);
        }
        for (int s = from; s < to; s++) {
            out.putInt(lastPosition[s]);
        }
        for (int s = from; s < to; s++) {
            out.putLong(lastStep[s]);
        }
        for (int s = from; s < to; s++) {
            out.putLong(lastBatchSeq[s]);
        }
        for (int s = from; s < to; s++) {
            out.putLong(updatedAt[s]);
        }
        for (int s = from; s < to; s++) {
            out.putLong(lastApply[s]);
        }
        return out.array();
    }

    /** Restores a slot from a snapshot: its whole state ({@code state} null: never predicted) and journal pointer. */
    void restore(final int slot, final SampleState state, final long apply) {
        if (state == null) {
            return;
        }
        pCorrect[slot] = state.pCorrect();
        loss[slot] = state.loss();
        gradNormBound[slot] = state.gradNormBound();
        predicted[slot] = state.predicted();
        visits[slot] = state.visits();
        lastStep[slot] = state.lastStep();
        lastBatchSeq[slot] = state.lastBatchSeq();
        lastPosition[slot] = state.lastPosition();
        updatedAt[slot] = state.updatedAt();
        lastApply[slot] = apply;
    }
}
