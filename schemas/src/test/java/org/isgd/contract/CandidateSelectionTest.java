package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

class CandidateSelectionTest {
    private static final float[] G = {0.1f, 0.2f, 0.4f, 0.8f, 1.2f, 0.05f, 0.0f, 1.0f};

    private static CandidateSelection rule(final String policy, final int batchSize, final Map<String, Double> params) {
        return CandidateSelection.forRun(policy, params, batchSize, 7);
    }

    private static long[] ids(final int n) {
        final long[] ids = new long[n];
        java.util.Arrays.setAll(ids, i -> i);
        return ids;
    }

    private static double chiSquareP(final double[] probabilities, final long[] counts) {
        final long total = Arrays.stream(counts).sum();
        return new ChiSquareTest().chiSquareTest(Arrays.stream(probabilities).map(p -> p * total).toArray(), counts);
    }

    @Test
    void noRuleWithoutPresampleOrForOtherPolicies() {
        assertNull(rule("upper-bound", 4, Map.of()));
        assertNull(rule("upper-bound", 4, Map.of("presample", 1.0)));
        assertNull(rule("uniform", 4, Map.of("presample", 4.0)));
        assertEquals(4, rule("selective-backprop", 4, Map.of("presample", 4.0)).presample());
    }

    @Test
    void upperBoundResamplesProportionalToTheFreshBoundWithUnbiasedWeights() {
        final CandidateSelection rule = rule("upper-bound", 4, Map.of("presample", 2.0, "tauThreshold", 1.0,
                "maxWeight", 1e6));
        final double sum = 3.75;
        final double[] expected = new double[G.length];
        for (int j = 0; j < G.length; j++) {
            expected[j] = G[j] / sum;
        }
        final long[] counts = new long[G.length];
        for (int round = 0; round < 5_000; round++) {
            final CandidateSelection.Selection s = rule.select(ids(G.length), new float[G.length], G);
            assertEquals("importance", s.phase());
            for (int i = 0; i < s.positions().length; i++) {
                final int j = s.positions()[i];
                counts[j]++;
                assertEquals(1.0 / (G.length * expected[j]), s.weights()[i], 1e-4, "weight 1/(n p_j)");
                assertTrue(s.trained()[j]);
            }
        }
        assertEquals(0, counts[6], "a zero bound is never drawn");
        final double[] positive = {expected[0], expected[1], expected[2], expected[3], expected[4], expected[5], expected[7]};
        final long[] positiveCounts = {counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[7]};
        assertTrue(chiSquareP(positive, positiveCounts) > 0.001, "draws follow g_j/Σg: " + Arrays.toString(counts));
        final double[] flat = new double[7];
        Arrays.fill(flat, 1.0 / 7);
        assertTrue(chiSquareP(flat, positiveCounts) < 1e-6, "and not uniform");
    }

    @Test
    void upperBoundClipsWeightsAndMixesEpsilon() {
        final CandidateSelection rule = rule("upper-bound", 64, Map.of("presample", 2.0, "tauThreshold", 1.0,
                "epsilon", 0.5, "maxWeight", 3.0));
        final CandidateSelection.Selection s = rule.select(ids(G.length), new float[G.length], G);
        for (int i = 0; i < s.positions().length; i++) {
            final double p = 0.5 * G[s.positions()[i]] / 3.75 + 0.5 / G.length;
            assertEquals(Math.min(3.0, 1.0 / (G.length * p)), s.weights()[i], 1e-5);
        }
    }

    @Test
    void upperBoundSwitchesWhenTheBiasCorrectedTauSaysSo() {
        // τ_b of G = √(8·Σg²)/Σg = √(8·3.2925)/3.75 = 1.3686: bias-corrected, the first batch's τ is that
        final double tauG = Math.sqrt(8 * 3.2925) / 3.75;
        final CandidateSelection below = rule("upper-bound", 4, Map.of("presample", 2.0, "tauThreshold", 1.37));
        final CandidateSelection.Selection first = below.select(ids(G.length), new float[G.length], G);
        assertEquals(tauG, first.tau(), 1e-5);
        assertEquals("uniform", first.phase());
        assertArrayEquals(new int[] {0, 1, 2, 3}, first.positions());
        assertArrayEquals(new float[] {1, 1, 1, 1}, first.weights());
        final CandidateSelection above = rule("upper-bound", 4, Map.of("presample", 2.0, "tauThreshold", 1.36));
        assertEquals("importance", above.select(ids(G.length), new float[G.length], G).phase(), "switched at the first batch");
        // equal bounds: τ_b = 1; the average moves towards it as 0.9 a + 0.1, corrected by 1 − 0.9^n
        final float[] flat = new float[8];
        Arrays.fill(flat, 0.5f);
        final CandidateSelection.Selection second = above.select(ids(8), new float[8], flat);
        final double a = 0.9 * (0.1 * tauG) + 0.1 * 1.0;
        assertEquals(a / (1 - 0.81), second.tau(), 1e-5);
    }

    @Test
    void selectiveBackpropKeepsOneCandidateProportionalToItsKeepWeight() {
        // B = 1 of 4 candidates: P(j) = p_j / Σp exactly; the history makes the percentiles 0.25, 0.5, 0.75, 1
        final CandidateSelection rule = rule("selective-backprop", 1, Map.of("presample", 4.0, "history", 16.0,
                "beta", 2.0, "minProb", 0.1));
        final long[] counts = new long[4];
        final float[] history = {1, 2, 3, 4};
        final float[] losses = {1.5f, 2.5f, 3.5f, 4.5f};
        for (int round = 0; round < 20_000; round++) {
            // keep the history at four copies each of 1, 2, 3, 4: 16 values, the window's size
            for (int fill = 0; fill < 4; fill++) {
                rule.select(ids(4), history, history);
            }
            final CandidateSelection.Selection s = rule.select(ids(losses.length), losses, losses);
            assertEquals(1, s.positions().length);
            assertEquals(1f, s.weights()[0]);
            counts[s.positions()[0]]++;
        }
        final double[] p = {Math.max(0.1, 0.0625), 0.25, 0.5625, 1.0};
        final double total = Arrays.stream(p).sum();
        assertTrue(chiSquareP(Arrays.stream(p).map(v -> v / total).toArray(), counts) > 0.001,
                "kept ∝ max(minProb, pct^β): " + Arrays.toString(counts));
    }

    @Test
    void selectiveBackpropTrainsBDistinctCandidatesFavouringHighLosses() {
        final CandidateSelection rule = rule("selective-backprop", 32, Map.of("presample", 4.0));
        final float[] losses = new float[128];
        long highKept = 0;
        for (int round = 0; round < 50; round++) {
            for (int j = 0; j < losses.length; j++) {
                losses[j] = j / 128f;
            }
            final CandidateSelection.Selection s = rule.select(ids(losses.length), losses, losses);
            assertEquals(32, s.positions().length);
            assertEquals(32, Arrays.stream(s.positions()).distinct().count(), "without replacement");
            int flagged = 0;
            for (final boolean t : s.trained()) {
                flagged += t ? 1 : 0;
            }
            assertEquals(32, flagged);
            highKept += Arrays.stream(s.positions()).filter(j -> j >= 64).count();
        }
        assertTrue(highKept > 0.8 * 50 * 32, "the upper half of losses fills most of the batch: " + highKept);
    }

    @Test
    void rhoLossTrainsTheHighestReducibleLosses() {
        final CandidateSelection rule = rule("rho-loss", 2, Map.of());
        assertEquals(4, rule.presample(), "rho-loss presamples 4 by default");
        // sample 3 has the highest loss but an irreducible one (a mislabel the holdout model cannot
        // learn either); sample 9 has no irreducible loss published: its loss counts in full
        rule.withIrreducible(new float[] {0.1f, 0.1f, 0.1f, 2.5f, 0.1f, Float.NaN});
        final CandidateSelection.Selection s = rule.select(new long[] {0, 1, 2, 3, 9, 5},
                new float[] {0.2f, 1.0f, 0.9f, 2.6f, 0.5f, 0.95f}, new float[6]);
        assertArrayEquals(new int[] {1, 5}, s.positions(), "reducible 0.1 0.9 0.8 0.1 0.5 0.95: rows 5 and 1");
        assertArrayEquals(new float[] {1, 1}, s.weights());
        assertEquals("reducible", s.phase());
        assertArrayEquals(new boolean[] {false, true, false, false, false, true}, s.trained());
        assertNull(rule("rho-loss", 2, Map.of("presample", 1.0)), "presample 1 turns the rule off");
    }

    @Test
    void percentileCountsValuesAtOrBelow() {
        final float[] sorted = {1, 2, 2, 3};
        assertEquals(0.0, CandidateSelection.percentile(sorted, 0.5f));
        assertEquals(0.75, CandidateSelection.percentile(sorted, 2f));
        assertEquals(1.0, CandidateSelection.percentile(sorted, 9f));
        assertEquals(1.0, CandidateSelection.percentile(new float[0], 1f));
    }
}
