package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.assertFollows;
import static org.isgd.sampler.policy.PolicyTesting.counts;
import static org.isgd.sampler.policy.PolicyTesting.label;
import static org.isgd.sampler.policy.PolicyTesting.predict;
import static org.isgd.sampler.policy.PolicyTesting.random;
import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

class UpperBoundPolicyTest {
    private static final int WINDOW = 20;

    private static UpperBoundPolicy policy(final int n, final Object... params) {
        final UpperBoundPolicy policy = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, WINDOW, null, params));
        for (long id = 0; id < n; id++) {
            policy.put(id, label(id), null);
        }
        return policy;
    }

    /** 1/√(1 − Σ(g−u)²/Σg²) of one window, straight from the definition. */
    private static double windowTau(final double[] scores) {
        final double sum = Arrays.stream(scores).sum();
        final double u = 1.0 / scores.length;
        double deviation = 0;
        double squares = 0;
        for (final double s : scores) {
            final double g = s / sum;
            deviation += (g - u) * (g - u);
            squares += g * g;
        }
        return 1 / Math.sqrt(1 - deviation / squares);
    }

    @Test
    void tauSwitchesImportanceSamplingOnAndOffAtTheThreshold() {
        final UpperBoundPolicy policy = policy(100);
        final Map<Long, SampleState> states = new HashMap<>();
        final double[] skewed = new double[WINDOW];
        Arrays.fill(skewed, 0.01);
        skewed[3] = 1.0;
        skewed[11] = 1.0;
        final double[] flat = new double[WINDOW];
        Arrays.fill(flat, 0.5);

        double average = 0;
        long seq = 0;
        long id = 0;
        int switchedOn = -1;
        int switchedOff = -1;
        for (int window = 0; window < 40; window++) {
            final double[] scores = window < 15 ? skewed : flat;
            for (final double s : scores) {
                predict(policy, states, id++ % 100, 0.5, 1, s);
            }
            average = 0.9 * average + 0.1 * windowTau(scores);
            final double expected = average / (1 - Math.pow(0.9, window + 1)); // bias-corrected
            assertEquals(expected, policy.tau(), 1e-5);
            final boolean on = expected > 1.5;
            final String phase = policy.draw(seq, WINDOW, random(1, seq++)).phase();
            assertEquals(on ? UpperBoundPolicy.IMPORTANCE : UpperBoundPolicy.UNIFORM, phase, "after window " + window);
            if (on && switchedOn < 0) {
                switchedOn = window;
            }
            if (!on && switchedOn >= 0 && switchedOff < 0) {
                switchedOff = window;
            }
        }
        // τ of a skewed window is 2.90: the bias-corrected average is 2.90 from the first window
        // on (uncorrected, from 0, it passed 1.5 only in the 7th) and, once the windows are flat
        // (τ = 1), falls back under 1.5 some windows later
        assertEquals(0, switchedOn);
        assertTrue(switchedOff > 15 && switchedOff < 30, "switched off after window " + switchedOff);
    }

    @Test
    void withThresholdOneTheFirstBatchAfterTheFirstWindowIsDrawnByImportance() {
        final UpperBoundPolicy policy = policy(100, "tauThreshold", 1.0);
        final Map<Long, SampleState> states = new HashMap<>();
        assertEquals(1.0, policy.tau(), "no window yet: no estimate");
        assertEquals(UpperBoundPolicy.UNIFORM, policy.draw(0, WINDOW, random(5, 0)).phase(), "no estimate: uniform");
        final double[] scores = new double[WINDOW];
        for (int i = 0; i < WINDOW; i++) {
            scores[i] = 0.1 + 0.05 * i; // any window that is not flat has τ > 1
            predict(policy, states, i, 0.5, 1, scores[i]);
            if (i < WINDOW - 1) {
                assertEquals(UpperBoundPolicy.UNIFORM, policy.draw(1, WINDOW, random(5, 1)).phase(),
                        "window incomplete after " + (i + 1) + " predictions");
            }
        }
        assertEquals(windowTau(scores), policy.tau(), 1e-6, "after one window τ is that window's (scores are floats)");
        assertTrue(policy.tau() > 1.0);
        assertEquals(UpperBoundPolicy.IMPORTANCE, policy.draw(1, WINDOW, random(5, 1)).phase());
    }

    @Test
    void whileOnDrawsFollowTheBoundWithAnEpsilonFloorAndClippedWeights() {
        final int n = 150;
        final double epsilon = 0.05;
        final UpperBoundPolicy policy = policy(n, "tauThreshold", 0, "epsilon", epsilon);
        final Map<Long, SampleState> states = new HashMap<>();
        final double[] g = new double[n];
        for (int id = 0; id < 140; id++) {
            g[id] = (float) (0.01 + 1.3 * Math.pow(id / 140.0, 2));
            predict(policy, states, id, 0.5, 1, g[id]);
        }
        Arrays.fill(g, 140, n, Arrays.stream(g).max().orElseThrow()); // unseen at max(g)
        final double total = Arrays.stream(g).sum();
        final double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = (1 - epsilon) * g[i] / total + epsilon / n;
        }
        boolean clipped = false;
        for (long seq = 0; seq < 50; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, WINDOW, random(2, seq));
            assertEquals(UpperBoundPolicy.IMPORTANCE, draw.phase());
            for (int i = 0; i < WINDOW; i++) {
                final int id = (int) draw.sampleIds()[i];
                assertEquals(q[id], draw.probabilities()[i], 1e-12);
                assertEquals((float) Math.min(10, 1 / (n * q[id])), draw.weights()[i], 1e-6);
                clipped |= draw.weights()[i] == 10f;
            }
        }
        assertTrue(clipped, "the test should exercise clipping");
        final double[] uniform = new double[n];
        Arrays.fill(uniform, 1.0 / n);
        assertFollows(q, uniform, counts(policy, n, 50, 10_000, WINDOW, 2));
    }

    @Test
    void whileOffDrawsAreUniformWithWeightOne() {
        // τ of these windows is about 2.4
        assertDrawsUniformWithWeightOne(policy(50, "tauThreshold", 100), 1, UpperBoundPolicy.UNIFORM, 2_000);
    }

    @Test
    void withPresampleEveryBatchIsKTimesTheBatchOfUniformCandidatesWhateverTau() {
        final UpperBoundPolicy policy = policy(50, "tauThreshold", 1.0, "presample", 4);
        assertDrawsUniformWithWeightOne(policy, 4, org.isgd.contract.CandidateSelection.PHASE, 500);
        assertTrue(policy.tau() > 1.0, "importance sampling would be on without presample");
        assertTrue(!policy.shardable(), "a presample run is not sharded");
    }

    /**
     * After one prediction per sample of n, sample 0 at bound 1.4 and the rest at 0.01: batches of
     * k·WINDOW in {@code phase}, q_i = 1/n and weight 1, following uniform and not the bound.
     */
    private static void assertDrawsUniformWithWeightOne(final UpperBoundPolicy policy, final int k, final String phase,
                                                        final int batches) {
        final int n = policy.population();
        final Map<Long, SampleState> states = new HashMap<>();
        for (int id = 0; id < n; id++) {
            predict(policy, states, id, 0.5, 1, id == 0 ? 1.4 : 0.01);
        }
        final SamplingPolicy.Draw draw = policy.draw(0, WINDOW, random(3, 0));
        assertEquals(phase, draw.phase());
        assertEquals(k * WINDOW, draw.sampleIds().length);
        for (int i = 0; i < k * WINDOW; i++) {
            assertEquals(1.0 / n, draw.probabilities()[i], 1e-15);
            assertEquals(1f, draw.weights()[i]);
        }
        final double[] uniform = new double[n];
        Arrays.fill(uniform, 1.0 / n);
        final double[] bound = new double[n];
        Arrays.fill(bound, 0.01 / (0.01 * (n - 1) + 1.4));
        bound[0] = 1.4 / (0.01 * (n - 1) + 1.4);
        assertFollows(uniform, bound, counts(policy, n, 1, batches, WINDOW, 3));
    }

    @Test
    void aRebuiltPolicyReplaysTheStoredScoresIntoTauAndDrawsLikeTheLiveOne() {
        final int n = 400;
        final UpperBoundPolicy live = policy(n);
        final Map<Long, SampleState> states = new HashMap<>();
        for (int visit = 0; visit < 2000; visit++) {
            final long id = visit % 380;
            predict(live, states, id, 0.5, 1, id % 10 == 0 ? 1.2 : 0.02);
        }
        final UpperBoundPolicy rebuilt = new UpperBoundPolicy(spec(UpperBoundPolicy.NAME, WINDOW, null));
        for (long id = 0; id < n; id++) {
            rebuilt.put(id, label(id), states.get(id));
        }
        assertTrue(live.tau() > 1.5 && rebuilt.tau() > 1.5, "live " + live.tau() + ", rebuilt " + rebuilt.tau());
        for (long seq = 100; seq < 110; seq++) {
            final SamplingPolicy.Draw a = live.draw(seq, WINDOW, random(4, seq));
            final SamplingPolicy.Draw b = rebuilt.draw(seq, WINDOW, random(4, seq));
            assertEquals(UpperBoundPolicy.IMPORTANCE, b.phase());
            assertArrayEquals(a.sampleIds(), b.sampleIds());
            assertArrayEquals(a.probabilities(), b.probabilities());
        }
    }
}
