package org.isgd.sampler.policy;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.isgd.sampler.store.SampleState;

/**
 * Flags samples that are possibly mislabelled. A visit is suspicious when the model confidently
 * predicts another class: pCorrect &lt; suspectP and predicted ≠ label (with the default suspectP of 0.05, the other
 * classes hold more than 0.95 of the probability). suspectP is the whole threshold: an extra "1 − pCorrect ≥ 0.9"
 * condition used to cap it silently at 0.1 whatever the run asked for.
 * {@code suspectVisits} consecutive suspicious visits (counted only while the guard is active,
 * i.e. after warm-up) flag the sample; any other visit resets the count; a visit where the model
 * predicts the registered label clears the flag. Policies cap a suspect's score at the median.
 *
 * <p>A reference model's verdict flags a sample too, from the start and whatever the visits say
 * ({@link #reference}): its irreducible loss says the reference model, trained on held-out data,
 * gives the registered label less than {@code referenceP} of what it gives a typical sample of the
 * label (the policy judges; see {@code ScoredPolicy#reference}). A model that is trained on a
 * mislabelled sample again and again learns its wrong label, which clears a visit-earned flag; the
 * reference model never saw the sample, so its flag stays until the reference changes.
 */
final class NoiseGuard {
    private static final int FLAG = 0x8000;
    private static final int REFERENCE = 0x4000;
    private static final int COUNT = 0x3FFF;
    private final double suspectP;
    private final int suspectVisits;
    /**
     * Per slot: the sign bit says whether the sample is flagged, the next whether the reference
     * model flagged it, the other 14 bits count its consecutive suspicious visits (up to 16 383: a
     * streak that long is flagged whatever suspectVisits). The flag sits beside the count so that the per-prediction check reads the
     * line {@link #observe} just wrote, not a hash of ids.
     */
    private short[] streaks = new short[1024];
    /** The flagged samples' ids, for the query API and the snapshots (changed only when a flag does). */
    private final LongOpenHashSet suspects = new LongOpenHashSet();

    NoiseGuard(final double suspectP, final int suspectVisits) {
        this.suspectP = suspectP;
        this.suspectVisits = Math.min(suspectVisits, COUNT);
    }

    boolean suspicious(final SampleState state) {
        return state.pCorrect() < suspectP && state.predicted() != state.label();
    }

    private void ensure(final int slot) {
        if (slot >= streaks.length) {
            streaks = java.util.Arrays.copyOf(streaks, Math.max(slot + 1, streaks.length * 2));
        }
    }

    /** Counts a visit of the sample in {@code slot}; returns whether its flag changed. */
    boolean observe(final int slot, final long sampleId, final SampleState after) {
        ensure(slot);
        final int bits = streaks[slot] & 0xFFFF;
        final int flag = bits & FLAG;
        final int reference = bits & REFERENCE;
        if (!suspicious(after)) {
            if (flag != 0 && reference == 0 && after.predicted() == after.label()) { // the model now agrees
                streaks[slot] = 0;
                suspects.remove(sampleId);
                return true;
            }
            streaks[slot] = (short) (flag | reference);
            return false;
        }
        final int streak = Math.min(COUNT, (bits & COUNT) + 1);
        if (flag == 0 && streak >= suspectVisits) {
            streaks[slot] = (short) (FLAG | streak);
            suspects.add(sampleId);
            return true;
        }
        streaks[slot] = (short) (flag | reference | streak);
        return false;
    }

    /**
     * Rebuild from a stored state, which holds only the latest visit: a suspicious one counts as a
     * streak of 1. The flag itself is not stored and has to be earned again.
     */
    void restore(final int slot, final long sampleId, final SampleState state) {
        ensure(slot);
        if (suspicious(state)) {
            final int flag = (streaks[slot] & FLAG) != 0 || suspectVisits <= 1 ? FLAG : 0;
            streaks[slot] = (short) (flag | (streaks[slot] & REFERENCE) | 1);
            if (flag != 0) {
                suspects.add(sampleId);
            }
        }
    }

    /**
     * The reference model's verdict on the sample in {@code slot}: {@code suspect} flags it (and the
     * flag stays whatever its visits say), false lifts a flag the reference set (its visits count
     * afresh). Returns whether the sample's flag changed.
     */
    boolean reference(final int slot, final long sampleId, final boolean suspect) {
        ensure(slot);
        final int bits = streaks[slot] & 0xFFFF;
        if (suspect == ((bits & REFERENCE) != 0)) {
            return false;
        }
        if (suspect) {
            streaks[slot] = (short) (bits | FLAG | REFERENCE);
            suspects.add(sampleId);
            return (bits & FLAG) == 0;
        }
        streaks[slot] = (short) (bits & COUNT);
        suspects.remove(sampleId);
        return true;
    }

    /** Whether the reference model flagged the sample in {@code slot}. */
    boolean referenceFlagged(final int slot) {
        return slot < streaks.length && (streaks[slot] & REFERENCE) != 0;
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

    /** Reads the slot's streak ahead of an update; see {@code SamplingPolicy.touch}. */
    long touch(final int slot) {
        return slot < streaks.length ? streaks[slot] : 0;
    }

    /** Whether the sample in {@code slot} is flagged: the hot path's check, no id lookup. */
    boolean flagged(final int slot) {
        return slot < streaks.length && streaks[slot] < 0;
    }

    /** The suspects, sorted: a copy. */
    Set<Long> suspects() {
        return Collections.unmodifiableSet(new TreeSet<>(suspects));
    }
}
