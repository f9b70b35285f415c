package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.CLASSES;
import static org.isgd.sampler.policy.PolicyTesting.label;
import static org.isgd.sampler.policy.PolicyTesting.random;
import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;
import org.junit.jupiter.api.Test;

class NoiseGuardTest {
    private static final int N = 200;
    private static final Set<Long> PLANTED = Set.of(3L, 41L, 77L, 120L, 121L, 199L);
    private static final Set<Long> HARD = Set.of(10L, 50L, 90L); // wrong but not confident: pCorrect 0.2
    private static final Set<Long> ONCE = Set.of(11L, 51L, 91L); // confidently wrong every other visit

    /** One round of predictions: every sample once; planted ones confidently wrong. */
    private static void round(final SamplingPolicy policy, final Map<Long, SampleState> states,
                              final SplittableRandom random, final int round) {
        for (long id = 0; id < N; id++) {
            final double p;
            if (PLANTED.contains(id)) {
                p = 0.01;
            } else if (HARD.contains(id)) {
                p = 0.2;
            } else if (ONCE.contains(id)) {
                p = round % 2 == 0 ? 0.01 : 0.6;
            } else {
                p = 0.3 + 0.7 * random.nextDouble();
            }
            final SampleState before = states.get(id);
            final int predicted = p >= 0.5 ? label(id) : (label(id) + 1) % CLASSES;
            final SampleState after = new SampleState(label(id), (float) p, (float) -Math.log(p),
                    (float) (1.4 * (1 - p)), predicted, before == null ? 1 : before.visits() + 1, round, round, round);
            states.put(id, after);
            policy.update(id, before, after);
        }
    }

    /** Every sample of the test's population joins the policy. */
    private static void registerAll(final SamplingPolicy policy) {
        for (long id = 0; id < N; id++) {
            policy.put(id, label(id), null);
        }
    }

    /** {@code count} rounds of predictions from a random source seeded {@code seed}; the samples' latest states. */
    private static Map<Long, SampleState> rounds(final SamplingPolicy policy, final long seed, final int count) {
        final Map<Long, SampleState> states = new HashMap<>();
        final SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < count; round++) {
            round(policy, states, random, round);
        }
        return states;
    }

    @Test
    void earlyImportanceFlagsPlantedSamplesAfterWarmupOnlyAndCapsThemAtTheMedian() {
        final EarlyImportancePolicy policy = new EarlyImportancePolicy(
                spec(EarlyImportancePolicy.NAME, 20, null, "warmupEpochs", 1));
        registerAll(policy);
        final Map<Long, SampleState> states = new HashMap<>();
        final SplittableRandom random = new SplittableRandom(1);
        policy.draw(0, 20, random(1, 0));
        for (int round = 0; round < 5; round++) {
            round(policy, states, random, round); // during warm-up: not counted
        }
        assertEquals(Set.of(), policy.suspects());
        policy.draw(N / 20, 20, random(1, N / 20)); // warm-up is over
        round(policy, states, random, 5);
        round(policy, states, random, 6);
        assertEquals(Set.of(), policy.suspects(), "two suspicious visits are not enough");
        round(policy, states, random, 7);
        assertEquals(new TreeSet<>(PLANTED), policy.suspects());

        final double median = policy.recentScores.quantile(0.5);
        assertTrue(median < 0.99 - 0.1, "median " + median);
        for (final long id : PLANTED) {
            assertEquals(Math.min(1.0 - 0.01f, median), policy.massOf(id), 1e-12);
        }
        for (final long id : HARD) {
            assertEquals(1.0 - 0.2f, policy.massOf(id), 1e-12); // clean hard samples keep their score
        }

        // the model comes to predict the registered label: the flag goes
        final long cleared = 41L;
        final SampleState now = states.get(cleared);
        policy.update(cleared, now, new SampleState(now.label(), 0.7f, 0.3f, 0.4f, now.label(), now.visits() + 1,
                9, 9, 9));
        assertEquals(PLANTED.size() - 1, policy.suspects().size());
        assertEquals(1.0 - 0.7f, policy.massOf(cleared), 1e-12);
    }

    @Test
    void aFrozenScoreIsCappedWhileFlaggedAndComesBackWholeWhenTheFlagGoes() {
        final EarlyImportancePolicy policy = new EarlyImportancePolicy(
                spec(EarlyImportancePolicy.NAME, 20, null, "warmupEpochs", 1, "freeze", 1));
        registerAll(policy);
        final Map<Long, SampleState> states = new HashMap<>();
        final SplittableRandom random = new SplittableRandom(4);
        policy.draw(0, 20, random(1, 0));
        round(policy, states, random, 0); // warm-up: planted samples score 0.99
        policy.draw(N / 20, 20, random(1, N / 20)); // warm-up over: scores freeze
        final long planted = 3L;
        final double frozen = policy.massOf(planted);
        assertEquals(1.0 - 0.01f, frozen, 1e-12);
        for (int round = 1; round <= 3; round++) {
            round(policy, states, random, round); // three confident wrong visits: flagged
        }
        assertTrue(policy.suspects().contains(planted));
        final double median = policy.recentScores.quantile(0.5); // it has moved a little since the flag was raised
        assertTrue(median < frozen / 2 && Math.abs(policy.massOf(planted) - median) < 0.01,
                "capped at the median: mass " + policy.massOf(planted) + ", median " + median);
        final SampleState now = states.get(planted);
        policy.update(planted, now, new SampleState(now.label(), 0.9f, 0.1f, 0.1f, now.label(), now.visits() + 1,
                9, 9, 9)); // the model agrees with the label: the flag goes, the frozen score comes back
        assertTrue(!policy.suspects().contains(planted));
        assertEquals(frozen, policy.massOf(planted), 1e-12, "the frozen score, not the new one (0.1) nor the cap");
    }

    @Test
    void everyScoredPolicyFlagsTheSameSamples() {
        final List<Function<RunSpec, ScoredPolicy>> factories = List.of(
                s -> new EarlyImportancePolicy(s), UpperBoundPolicy::new, SelectiveBackpropPolicy::new, InfoBatchPolicy::new);
        final List<String> names = List.of(EarlyImportancePolicy.NAME, UpperBoundPolicy.NAME,
                SelectiveBackpropPolicy.NAME, InfoBatchPolicy.NAME);
        for (int i = 0; i < factories.size(); i++) {
            final Object[] params = i == 0 ? new Object[] {"warmupEpochs", 0} : new Object[0];
            final ScoredPolicy policy = factories.get(i).apply(spec(names.get(i), 20, null, params));
            registerAll(policy);
            final Map<Long, SampleState> states = rounds(policy, 2, 4);
            assertEquals(new TreeSet<>(PLANTED), policy.suspects(), names.get(i));
            // capped at the median of the moment the flag was raised; the median has moved a little since
            final double median = policy.recentScores.quantile(0.5);
            final double raw = policy.score(states.get(3L));
            assertTrue(median < raw / 2, names.get(i) + ": median " + median + ", planted score " + raw);
            for (final long id : PLANTED) {
                assertTrue(Math.abs(policy.massOf(id) - median) < 0.05 * raw, names.get(i) + ": suspect " + id
                        + " has mass " + policy.massOf(id) + ", median " + median);
            }
        }
    }

    @Test
    void suspectCapPicksTheQuantileASuspectIsCappedAt() {
        final EarlyImportancePolicy policy = new EarlyImportancePolicy(
                spec(EarlyImportancePolicy.NAME, 20, null, "warmupEpochs", 0, "suspectCap", 0.1));
        registerAll(policy);
        policy.draw(0, 20, random(1, 0));
        rounds(policy, 2, 4);
        assertEquals(new TreeSet<>(PLANTED), policy.suspects());
        // capped when flagged, at the 0.1 quantile of the scores then (the sketch has moved on a little since)
        final double low = policy.recentScores.quantile(0.1);
        final double median = policy.recentScores.quantile(0.5);
        assertTrue(low < median - 0.1, "0.1 quantile " + low + ", median " + median);
        for (final long id : PLANTED) {
            assertEquals(low, policy.massOf(id), 0.02, "sample " + id);
        }
    }

    @Test
    void suspectPAboveATenthIsHonoured() {
        // HARD samples are wrong at pCorrect 0.2: suspicious under suspectP 0.3 (a fixed "1 − pCorrect ≥ 0.9" condition
        // used to cap every suspectP at 0.1, so 0.3 and 0.5 flagged exactly what 0.1 did)
        final UpperBoundPolicy policy = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, 20, null, "suspectP", 0.3));
        registerAll(policy);
        rounds(policy, 3, 6);
        assertTrue(policy.suspects().containsAll(HARD), policy.suspects().toString());
        assertTrue(policy.suspects().containsAll(PLANTED), policy.suspects().toString());
    }

    @Test
    void suspectPZeroDisablesTheGuard() {
        final UpperBoundPolicy policy = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, 20, null, "suspectP", 0));
        registerAll(policy);
        rounds(policy, 3, 6);
        assertEquals(Set.of(), policy.suspects());
    }

    /** Irreducible losses for samples 0..N−1: −ln(pLabel) under a reference model; planted and ONCE mislabelled. */
    private static ReferenceLosses reference(final long version, final Set<Long> mislabelled) {
        final long[] ids = new long[N];
        final float[] losses = new float[N];
        for (int id = 0; id < N; id++) {
            ids[id] = id;
            // the reference gives a mislabelled sample's label 0.02 (below referenceP 0.05), a hard one 0.2
            losses[id] = (float) -Math.log(mislabelled.contains((long) id) ? 0.02 : HARD.contains((long) id) ? 0.2 : 0.9);
        }
        return ReferenceLosses.of("d", version, ids, losses);
    }

    @Test
    void selectiveBackpropWithLossesFlagsAtTwentyPercentAndCapsAtTheLowestUnlessSuspectCapIsGiven() {
        final SelectiveBackpropPolicy byDefault = new SelectiveBackpropPolicy(spec(SelectiveBackpropPolicy.NAME, 20, null));
        final SelectiveBackpropPolicy given = new SelectiveBackpropPolicy(spec(SelectiveBackpropPolicy.NAME, 20, null,
                "suspectCap", 0.5));
        final long[] ids = new long[N];
        final float[] losses = new float[N];
        for (int id = 0; id < N; id++) {
            ids[id] = id;
            // sample 5's label gets 0.15 of the typical sample's: flagged at 0.2, not at the other policies' 0.05
            losses[id] = (float) -Math.log(id == 5 ? 0.135 : 0.9);
        }
        for (final SelectiveBackpropPolicy policy : List.of(byDefault, given)) {
            registerAll(policy);
            policy.reference(ReferenceLosses.of("d", 1, ids, losses));
            assertEquals(Set.of(5L), policy.suspects());
            final Map<Long, SampleState> states = rounds(policy, 5, 3);
            final double quantile = policy.recentScores.quantile(policy == byDefault ? 0.0 : 0.5);
            assertTrue(policy.score(states.get(5L)) > quantile + 0.1, "the cap is what holds it");
            assertEquals(quantile, policy.massOf(5L), 0.05, (policy == byDefault ? "lowest" : "median")
                    + " recent score, mass " + policy.massOf(5L));
        }
        final UpperBoundPolicy other = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, 20, null));
        registerAll(other);
        other.reference(ReferenceLosses.of("d", 1, ids, losses));
        assertEquals(Set.of(), other.suspects(), "the other policies flag at 0.05");
    }

    @Test
    void theReferenceFlagsFromTheStartAndTheFlagSurvivesTheModelLearningTheWrongLabel() {
        final SelectiveBackpropPolicy policy = new SelectiveBackpropPolicy(spec(SelectiveBackpropPolicy.NAME, 20, null));
        for (long id = 0; id < N / 2; id++) {
            policy.put(id, label(id), null);
        }
        policy.reference(reference(1, ONCE));
        // flagged before any visit, samples registered later too; hard ones (reference 0.2) are not
        for (long id = N / 2; id < N; id++) {
            policy.put(id, label(id), null);
        }
        assertEquals(new TreeSet<>(ONCE), policy.suspects());
        final Map<Long, SampleState> states = rounds(policy, 5, 4);
        final TreeSet<Long> both = new TreeSet<>(ONCE);
        both.addAll(PLANTED); // the visits flag the planted ones as before
        assertEquals(both, policy.suspects());
        // ONCE samples are right every other round (pCorrect 0.6, their label predicted), as in the last one: the visits
        // alone would have cleared a flag; the reference keeps it
        for (final long id : ONCE) {
            assertEquals(0.6f, states.get(id).pCorrect(), 1e-6, "last round was a right one");
        }
        // a wrong round: high losses, held at the lowest recent loss (selective-backprop's cap once losses are applied)
        round(policy, states, new SplittableRandom(6), 4);
        final double median = policy.recentScores.quantile(0.5);
        final double lowest = policy.recentScores.quantile(0.0);
        assertTrue(lowest < median / 2, "lowest " + lowest + ", median " + median);
        for (final long id : ONCE) {
            assertTrue(policy.score(states.get(id)) > 2 * median, "the cap is what holds it: " + id);
            assertTrue(policy.massOf(id) <= lowest + 0.05, id + ": mass " + policy.massOf(id) + ", lowest " + lowest);
        }
        // a visit-earned flag still goes when the model agrees with the label
        final long planted = 3L;
        final SampleState now = states.get(planted);
        policy.update(planted, now, new SampleState(now.label(), 0.9f, 0.1f, 0.1f, now.label(), now.visits() + 1,
                9, 9, 9));
        assertTrue(!policy.suspects().contains(planted));
        // a new reference that no longer blames them lifts their flags and their caps
        policy.reference(reference(2, Set.of()));
        final TreeSet<Long> left = new TreeSet<>(PLANTED);
        left.remove(planted);
        assertEquals(left, policy.suspects());
        for (final long id : ONCE) {
            assertEquals(policy.score(states.get(id)), policy.massOf(id), 1e-12, "uncapped: " + id);
        }
    }

    @Test
    void referencePZeroIgnoresTheReference() {
        final UpperBoundPolicy policy = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, 20, null, "referenceP", 0));
        registerAll(policy);
        policy.reference(reference(1, PLANTED));
        assertEquals(Set.of(), policy.suspects());
    }

    @Test
    void referencePSetsTheThreshold() {
        // at 0.25 the hard samples' 0.2 counts as a verdict of mislabelling too
        final UpperBoundPolicy policy = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, 20, null, "referenceP", 0.25));
        registerAll(policy);
        policy.reference(reference(1, PLANTED));
        final TreeSet<Long> expected = new TreeSet<>(PLANTED);
        expected.addAll(HARD);
        assertEquals(expected, policy.suspects());
    }

    @Test
    void theReferenceJudgesASampleAgainstItsLabelNotAbsolutely() {
        // the reference model is unsure of every sample of label 0 (a rare class: 0.03 each), and gives one of them
        // 0.0005: only that one is far below its label's typical sample
        final long[] ids = new long[N];
        final float[] losses = new float[N];
        long outlier = -1;
        for (int id = 0; id < N; id++) {
            ids[id] = id;
            final boolean rare = label(id) == 0;
            if (rare && outlier < 0) {
                outlier = id;
            }
            losses[id] = (float) -Math.log(id == outlier ? 0.0005 : rare ? 0.03 : 0.9);
        }
        final SelectiveBackpropPolicy policy = new SelectiveBackpropPolicy(spec(SelectiveBackpropPolicy.NAME, 20, null));
        registerAll(policy);
        policy.reference(ReferenceLosses.of("d", 1, ids, losses));
        assertEquals(Set.of(outlier), policy.suspects());
    }
}
