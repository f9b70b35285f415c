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
import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

class SelectiveBackpropPolicyTest {
    private static final int BATCH = 50;

    /** n samples with losses (i + 0.5)/n, reported once each in a random order. */
    private static SelectiveBackpropPolicy trained(final int n, final Object... params) {
        final SelectiveBackpropPolicy policy = new SelectiveBackpropPolicy(
                spec(SelectiveBackpropPolicy.NAME, BATCH, null, params));
        for (long id = 0; id < n; id++) {
            policy.put(id, label(id), null);
        }
        final int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        final SplittableRandom shuffle = new SplittableRandom(17);
        for (int i = n - 1; i > 0; i--) {
            final int j = shuffle.nextInt(i + 1);
            final int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        final Map<Long, SampleState> states = new HashMap<>();
        for (final int id : order) {
            predict(policy, states, id, 0.5, (id + 0.5) / n, 1);
        }
        return policy;
    }

    private static double keepRate(final SelectiveBackpropPolicy policy, final int batches) {
        final long before = policy.candidates();
        for (long seq = 0; seq < batches; seq++) {
            policy.draw(seq, BATCH, random(1, seq));
        }
        return (double) batches * BATCH / (policy.candidates() - before);
    }

    @Test
    void withPresampleEveryBatchIsTheWalksNextKTimesBatchCandidatesUnfiltered() {
        final int n = 1000;
        final SelectiveBackpropPolicy policy = trained(n, "presample", 4);
        final java.util.Set<Long> epoch = new java.util.HashSet<>();
        for (long seq = 0; seq < 5; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, BATCH, random(1, seq));
            assertEquals(4 * BATCH, draw.sampleIds().length);
            assertEquals(org.isgd.contract.CandidateSelection.PHASE, draw.phase());
            for (int i = 0; i < draw.sampleIds().length; i++) {
                assertEquals(1.0 / n, draw.probabilities()[i], 1e-15);
                assertEquals(1f, draw.weights()[i]);
                assertTrue(epoch.add(draw.sampleIds()[i]), "each sample once an epoch: the keep filter is the trainer's");
            }
        }
        assertEquals(n, epoch.size(), "5 batches of 200 candidates walk the whole population once");
    }

    @Test
    void keepsAboutAQuarterOfUniformlySpreadCandidatesForBetaThree() {
        // E[pct^3] = 1/4 for a uniform percentile; the 0.05 floor adds 0.05^(4/3)·3/4 ≈ 0.0138
        assertEquals(0.25, keepRate(trained(4000, "minProb", 1e-9), 2000), 0.01);
        assertEquals(0.25 + 0.75 * Math.pow(0.05, 4.0 / 3), keepRate(trained(4000), 2000), 0.01);
        assertEquals(0.5, keepRate(trained(4000, "beta", 1, "minProb", 1e-9), 2000), 0.01);
    }

    @Test
    void keepProbabilityIsTheFlooredPowerOfTheLossPercentile() {
        final int n = 4000;
        final SelectiveBackpropPolicy policy = trained(n, "epsilon", 0.1);
        for (long id = 0; id < n; id += 37) {
            final double pct = (id + 1.0) / n;
            final double expected = 0.1 + 0.9 * Math.max(0.05, Math.pow(pct, 3));
            // pct comes from a KLL sketch of the last complete window of 1024 losses, a random
            // quarter of them: allow 4% rank error, through the derivative of pct^3
            final double tolerance = 0.9 * 3 * pct * pct * 0.04 + 0.002;
            assertEquals(expected, policy.keepProbability(id), tolerance, "sample " + id);
        }
    }

    @Test
    void drawsFollowTheKeepProbabilitiesWithWeightOne() {
        final int n = 500;
        final SelectiveBackpropPolicy policy = trained(n, "history", 512);
        final double[] keep = new double[n];
        for (int id = 0; id < n; id++) {
            keep[id] = policy.keepProbability((long) id);
        }
        final SamplingPolicy.Draw draw = policy.draw(0, BATCH, random(2, 0));
        assertEquals(SelectiveBackpropPolicy.PHASE, draw.phase());
        for (int i = 0; i < BATCH; i++) {
            assertEquals(1f, draw.weights()[i]);
            assertEquals(keep[(int) draw.sampleIds()[i]] / n, draw.probabilities()[i], 1e-15);
        }
        final double[] uniform = new double[n];
        Arrays.fill(uniform, 1.0 / n);
        assertFollows(PolicyTesting.normalized(keep), uniform, counts(policy, n, 1, 2000, BATCH, 2));
    }

    @Test
    void aSampleRegisteredMidWalkIsKeptInTheNextBatch() {
        final SelectiveBackpropPolicy policy = trained(1000);
        policy.draw(0, BATCH, random(3, 0));
        policy.put(1000, label(1000), null);
        assertEquals(1.0, policy.keepProbability(1000L));
        assertEquals(1000, policy.draw(1, BATCH, random(3, 1)).sampleIds()[0]);
    }

    @Test
    void aRebuiltPolicyHasTheSameKeepProbabilitiesAndDraws() {
        // each sample reported once and history ≥ reports: the sketch sees the same losses
        final int n = 500;
        final SelectiveBackpropPolicy live = new SelectiveBackpropPolicy(
                spec(SelectiveBackpropPolicy.NAME, BATCH, null, "history", 4096));
        final SelectiveBackpropPolicy rebuilt = new SelectiveBackpropPolicy(
                spec(SelectiveBackpropPolicy.NAME, BATCH, null, "history", 4096));
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < n; id++) {
            live.put(id, label(id), null);
        }
        final SplittableRandom losses = new SplittableRandom(5);
        for (long id = 0; id < n - 20; id++) {
            predict(live, states, id, 0.5, 3 * losses.nextDouble(), 1);
        }
        for (long id = 0; id < n; id++) {
            rebuilt.put(id, label(id), states.get(id));
        }
        for (long id = 0; id < n; id++) {
            assertEquals(live.keepProbability(id), rebuilt.keepProbability(id), 0.0);
        }
        for (long seq = 0; seq < 5; seq++) {
            assertArrayEquals(live.draw(seq, BATCH, random(6, seq)).sampleIds(),
                    rebuilt.draw(seq, BATCH, random(6, seq)).sampleIds());
        }
        assertTrue(live.candidates() > 5 * BATCH);
    }
}
