package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.assertFollows;
import static org.isgd.sampler.policy.PolicyTesting.counts;
import static org.isgd.sampler.policy.PolicyTesting.label;
import static org.isgd.sampler.policy.PolicyTesting.predict;
import static org.isgd.sampler.policy.PolicyTesting.random;
import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

class EarlyImportancePolicyTest {
    private static final String NAME = EarlyImportancePolicy.NAME;

    private static EarlyImportancePolicy policy(final int batchSize, final Object... params) {
        return new EarlyImportancePolicy(spec(NAME, batchSize, null, params));
    }

    private static void register(final EarlyImportancePolicy policy, final int from, final int to) {
        for (long id = from; id < to; id++) {
            policy.put(id, label(id), null);
        }
    }

    @Test
    void warmupIsUniformAndEndsAtWarmupEpochsTimesTheCurrentPopulation() {
        final EarlyImportancePolicy policy = policy(10, "warmupEpochs", 2);
        register(policy, 0, 200);
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < 100; id++) {
            predict(policy, states, id, 0.01 * id, 1, 1);
        }
        for (long seq = 0; seq < 30; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, 10, random(1, seq));
            assertEquals(EarlyImportancePolicy.WARMUP, draw.phase());
            for (int i = 0; i < 10; i++) {
                assertEquals(1.0 / 200, draw.probabilities()[i], 1e-15);
                assertEquals(1f, draw.weights()[i]);
            }
        }
        register(policy, 200, 300); // N = 300: warm-up now lasts while seq * 10 < 600
        assertEquals(EarlyImportancePolicy.WARMUP, policy.draw(59, 10, random(1, 59)).phase());
        assertEquals(EarlyImportancePolicy.IMPORTANCE, policy.draw(60, 10, random(1, 60)).phase());
    }

    @Test
    void drawsFollowSmoothedScoresWithUnseenAtTheMaximumAndClippedWeights() {
        final int n = 200;
        final double smoothing = 1.0;
        final double epsilon = 0.1;
        final double maxWeight = 1.5;
        final EarlyImportancePolicy policy = policy(10, "warmupEpochs", 2, "smoothing", smoothing,
                "epsilon", epsilon, "maxWeight", maxWeight);
        register(policy, 0, n);
        final double[] s = new double[n];
        final Map<Long, SampleState> states = new HashMap<>();
        double max = 0;
        for (int id = 0; id < 180; id++) {
            final double pCorrect = 0.05 + 0.9 * id / 180.0;
            predict(policy, states, id, pCorrect, 1, 1);
            s[id] = 1.0 - (float) pCorrect;
            max = Math.max(max, s[id]);
        }
        for (int id = 180; id < n; id++) {
            s[id] = max; // unseen samples take max(s)
        }
        double total = 0;
        for (final double v : s) {
            total += v;
        }
        final double[] q = new double[n];
        final double[] unsmoothed = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = (1 - epsilon) * (s[i] + smoothing * total / n) / (total * (1 + smoothing)) + epsilon / n;
            unsmoothed[i] = s[i] / total;
        }
        final long firstImportance = 2 * n / 10;
        assertEquals(EarlyImportancePolicy.WARMUP, policy.draw(firstImportance - 1, 10, random(3, 0)).phase());

        boolean clipped = false;
        for (long seq = firstImportance; seq < firstImportance + 50; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, 10, random(3, seq));
            assertEquals(EarlyImportancePolicy.IMPORTANCE, draw.phase());
            for (int i = 0; i < 10; i++) {
                final int id = (int) draw.sampleIds()[i];
                assertEquals(q[id], draw.probabilities()[i], 1e-12);
                assertEquals((float) Math.min(maxWeight, 1 / (n * q[id])), draw.weights()[i], 1e-6);
                clipped |= draw.weights()[i] == (float) maxWeight;
            }
        }
        assertTrue(clipped, "the test should exercise clipping");
        assertFollows(q, unsmoothed, counts(policy, n, firstImportance, 20_000, 10, 3));
    }

    @Test
    void freezeKeepsTheWarmupScoresAndZeroKeepsUpdating() {
        for (final int freeze : new int[] {0, 1}) {
            final EarlyImportancePolicy policy = policy(10, "warmupEpochs", 1, "freeze", freeze);
            register(policy, 0, 100);
            final Map<Long, SampleState> states = new HashMap<>();
            for (long id = 0; id < 100; id++) {
                predict(policy, states, id, 0.5, 1, 1);
            }
            policy.draw(10, 10, random(1, 10)); // first batch after warm-up: scores freeze here
            final double before = policy.probability(5);
            predict(policy, states, 5, 0.9, 1, 1);
            if (freeze == 1) {
                assertEquals(before, policy.probability(5), 1e-15);
            } else {
                assertTrue(policy.probability(5) < before);
            }
            // a sample with no score at the freeze takes its first one, then keeps it
            policy.put(100, label(100), null);
            predict(policy, states, 100, 0.9, 1, 1);
            final double first = policy.probability(100);
            predict(policy, states, 100, 0.1, 1, 1);
            assertEquals(freeze == 1, first == policy.probability(100));
        }
    }

    @Test
    void aSampleRegisteredMidRunEntersAtTheHighestScoreAndIsDrawnSoon() {
        final EarlyImportancePolicy policy = policy(32, "warmupEpochs", 1, "smoothing", 0);
        register(policy, 0, 1000);
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < 1000; id++) {
            predict(policy, states, id, id < 10 ? 0.1 : 0.99, 1, 1);
        }
        final long seq = 100; // well past warm-up (1000 / 32 batches)
        policy.draw(seq, 32, random(5, seq));
        policy.put(1000, label(1000), null);
        assertEquals(policy.probability(0), policy.probability(1000), 1e-15); // at max(s), like the hardest sample
        assertTrue(policy.probability(1000) > 40.0 / 1001);
        boolean drawn = false;
        for (long b = seq + 1; b <= seq + 5 && !drawn; b++) {
            for (final long id : policy.draw(b, 32, random(5, b)).sampleIds()) {
                drawn |= id == 1000;
            }
        }
        assertTrue(drawn, "a new sample at the highest score should be drawn within 5 batches");
        predict(policy, states, 1000, 0.99, 1, 1);
        assertEquals(policy.probability(500), policy.probability(1000), 1e-15);
    }

    @Test
    void aRebuiltPolicyDrawsExactlyLikeTheLiveOne() {
        final int n = 300;
        final EarlyImportancePolicy live = policy(16, "warmupEpochs", 1, "epsilon", 0.05);
        register(live, 0, n);
        final Map<Long, SampleState> states = trainRandomly(live, n, 11);
        final EarlyImportancePolicy rebuilt = policy(16, "warmupEpochs", 1, "epsilon", 0.05);
        for (long id = 0; id < n; id++) {
            rebuilt.put(id, label(id), states.get(id));
        }
        for (long seq = 100; seq < 110; seq++) {
            final SamplingPolicy.Draw a = live.draw(seq, 16, random(9, seq));
            final SamplingPolicy.Draw b = rebuilt.draw(seq, 16, random(9, seq));
            assertArrayEquals(a.sampleIds(), b.sampleIds());
            assertArrayEquals(a.probabilities(), b.probabilities());
            assertArrayEquals(a.weights(), b.weights());
        }
        for (long id = 0; id < n; id++) {
            assertEquals(live.probability(id), rebuilt.probability(id), 0.0);
        }
    }

    @Test
    void aRebuiltFrozenPolicyFreezesTheLatestStoredScoresNotTheWarmupOnes() {
        final EarlyImportancePolicy live = policy(10, "warmupEpochs", 1, "freeze", 1);
        register(live, 0, 100);
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < 100; id++) {
            predict(live, states, id, 0.5, 1, 1);
        }
        live.draw(10, 10, random(1, 10));
        predict(live, states, 7, 0.95, 1, 1); // after the freeze: live ignores it, the store keeps it
        final EarlyImportancePolicy rebuilt = policy(10, "warmupEpochs", 1, "freeze", 1);
        for (long id = 0; id < 100; id++) {
            rebuilt.put(id, label(id), states.get(id));
        }
        rebuilt.draw(11, 10, random(1, 11));
        assertEquals(live.massOf(3), rebuilt.massOf(3), 0.0);
        assertNotEquals(live.massOf(7), rebuilt.massOf(7));
        assertEquals(1 - 0.95f, rebuilt.massOf(7), 1e-7);
    }

    /** Several visits per sample with random pCorrect, the last 10% of samples never trained. */
    static Map<Long, SampleState> trainRandomly(final SamplingPolicy policy, final int n, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<Long, SampleState> states = new HashMap<>();
        for (int visit = 0; visit < 4 * n; visit++) {
            final long id = random.nextInt(n - n / 10);
            final double p = 0.06 + 0.94 * random.nextDouble();
            predict(policy, states, id, p, -Math.log(p), Math.sqrt(2) * (1 - p) * random.nextDouble());
        }
        return states;
    }
}
