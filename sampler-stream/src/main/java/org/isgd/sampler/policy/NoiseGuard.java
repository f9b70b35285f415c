package org.isgd.sampler.policy;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.isgd.sampler.store.SampleState;

/**
 * Flags samples that are possibly mislabelled. A visit is suspicious when the model confidently
 * predicts another class: pCorrect &lt; suspectP, predicted ≠ label and 1 − pCorrect ≥ 0.9.
 * {@code suspectVisits} consecutive suspicious visits (counted only while the guard is active,
 * i.e. after warm-up) flag the sample; any other visit resets the count; a visit where the model
 * predicts the registered label clears the flag. Policies cap a suspect's score at the median.
 */
final class NoiseGuard {
    static final double CONFIDENT = 0.9;
    private final double suspectP;
    private final int suspectVisits;
    /** Consecutive suspicious visits per slot, counting up to 32 767 (a streak that long is flagged whatever suspectVisits). */
    private short[] streaks = new short[1024];
    private final LongOpenHashSet suspects = new LongOpenHashSet();

    NoiseGuard(final double suspectP, final int suspectVisits) {
        this.suspectP = suspectP;
        this.suspectVisits = Math.min(suspectVisits, Short.MAX_VALUE);
    }

    boolean suspicious(final SampleState state) {
        return state.pCorrect() < suspectP && state.predicted() != state.label() && 1 - state.pCorrect() >= CONFIDENT;
    }

    private void ensure(final int slot) {
        if (slot >= streaks.length) {
            streaks = java.util.Arrays.copyOf(streaks, Math.max(slot + 1, streaks.length * 2));
        }
    }

    /** Counts a visit of the sample in {@code slot}; returns whether its flag changed. */
    boolean observe(final int slot, final long sampleId, final SampleState after) {
        ensure(slot);
        if (!suspicious(after)) {
            streaks[slot] = 0;
            return after.predicted() == after.label() && !suspects.isEmpty() && suspects.remove(sampleId);
        }
        final int streak = Math.min(Short.MAX_VALUE, streaks[slot] + 1);
        streaks[slot] = (short) streak;
        return streak >= suspectVisits && suspects.add(sampleId);
    }

    /**
     * Rebuild from a stored state, which holds only the latest visit: a suspicious one counts as a
     * streak of 1. The flag itself is not stored and has to be earned again.
     */
    void restore(final int slot, final long sampleId, final SampleState state) {
        ensure(slot);
        if (suspicious(state)) {
            streaks[slot] = 1;
            if (suspectVisits <= 1) {
                suspects.add(sampleId);
            }
        }
    }

    /** The sample's label changed: its history says nothing about the new label. */
    void forget(final int slot, final long sampleId) {
        ensure(slot);
        streaks[slot] = 0;
        suspects.remove(sampleId);
    }

    /** Makes room for {@code slots} slots at once. */
    void reserve(final int slots) {
        ensure(slots - 1);
    }

    boolean isSuspect(final long sampleId) {
        return !suspects.isEmpty() && suspects.contains(sampleId);
    }

    /** The suspects, sorted: a copy. */
    Set<Long> suspects() {
        return Collections.unmodifiableSet(new TreeSet<>(suspects));
    }
}
