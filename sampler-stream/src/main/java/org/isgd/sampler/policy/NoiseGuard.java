package org.isgd.sampler.policy;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
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
    // primitive collections: consulted for every prediction (boxed maps and a TreeSet were a fifth of the sampler's time)
    private final Long2IntOpenHashMap streaks = new Long2IntOpenHashMap();
    private final LongOpenHashSet suspects = new LongOpenHashSet();

    NoiseGuard(final double suspectP, final int suspectVisits) {
        this.suspectP = suspectP;
        this.suspectVisits = suspectVisits;
    }

    boolean suspicious(final SampleState state) {
        return state.pCorrect() < suspectP && state.predicted() != state.label() && 1 - state.pCorrect() >= CONFIDENT;
    }

    /** Counts a visit; returns whether the sample's flag changed. */
    boolean observe(final long sampleId, final SampleState after) {
        if (!suspicious(after)) {
            streaks.remove(sampleId);
            return after.predicted() == after.label() && suspects.remove(sampleId);
        }
        final int streak = streaks.addTo(sampleId, 1) + 1;
        return streak >= suspectVisits && suspects.add(sampleId);
    }

    /**
     * Rebuild from a stored state, which holds only the latest visit: a suspicious one counts as a
     * streak of 1. The flag itself is not stored and has to be earned again.
     */
    void restore(final long sampleId, final SampleState state) {
        if (suspicious(state)) {
            streaks.put(sampleId, 1);
            if (suspectVisits <= 1) {
                suspects.add(sampleId);
            }
        }
    }

    /** The sample's label changed: its history says nothing about the new label. */
    void forget(final long sampleId) {
        streaks.remove(sampleId);
        suspects.remove(sampleId);
    }

    boolean isSuspect(final long sampleId) {
        return suspects.contains(sampleId);
    }

    /** The suspects, sorted: a copy. */
    Set<Long> suspects() {
        return Collections.unmodifiableSet(new TreeSet<>(suspects));
    }
}
