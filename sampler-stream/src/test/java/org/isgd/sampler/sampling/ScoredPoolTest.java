package org.isgd.sampler.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

class ScoredPoolTest {
    private static final int N = 300;
    private static final int DRAWS = 300_000;

    @Test
    void theMixtureFollowsTheScoresWithUnseenSamplesAtTheMaximum() {
        final SplittableRandom random = new SplittableRandom(42);
        final ScoredPool pool = new ScoredPool(4); // grows many times
        final double[] mass = new double[N];
        for (int id = 0; id < N; id++) {
            assertEquals(id, pool.put(id, id % 10));
        }
        for (int update = 0; update < 5_000; update++) {
            final int slot = random.nextInt(N - 40); // the last 40 stay unseen
            mass[slot] = random.nextDouble() * (1 + slot % 5);
            pool.setMass(slot, mass[slot]);
        }
        pool.setMass(7, 9.0); // the maximum ...
        pool.setMass(7, 0.5); // ... goes down again: unseen samples follow it
        mass[7] = 0.5;
        final double max = Arrays.stream(mass).max().orElseThrow();
        assertEquals(max, pool.maxMass(), 0.0);
        Arrays.fill(mass, N - 40, N, max);
        final double total = Arrays.stream(mass).sum();
        assertEquals(total, pool.total(), 1e-9);
        assertEquals(N - 40, pool.seenCount());
        assertFalse(pool.seen(N - 1));

        final double share = 0.7;
        final double[] q = new double[N];
        double sum = 0;
        for (int i = 0; i < N; i++) {
            q[i] = share * mass[i] / total + (1 - share) / N;
            assertEquals(q[i], pool.probability(i, share), 1e-12);
            sum += q[i];
        }
        assertEquals(1.0, sum, 1e-9);
        final long[] observed = new long[N];
        for (int i = 0; i < DRAWS; i++) {
            observed[pool.mixtureSlot(random, share)]++;
        }
        final double[] expected = new double[N];
        final double[] uniform = new double[N];
        for (int i = 0; i < N; i++) {
            expected[i] = q[i] * DRAWS;
            uniform[i] = (double) DRAWS / N;
        }
        final double p = new ChiSquareTest().chiSquareTest(expected, observed);
        assertTrue(p > 0.001, "draws do not follow the mixture: p = " + p);
        assertTrue(new ChiSquareTest().chiSquareTest(uniform, observed) < 1e-6);
    }

    @Test
    void withNoMassEveryDrawIsUniform() {
        final ScoredPool pool = new ScoredPool(16);
        pool.put(1, 0);
        pool.put(2, 0);
        pool.setMass(0, 0.0);
        assertEquals(0.0, pool.total());
        assertEquals(0.5, pool.probability(1, 1.0));
        final SplittableRandom random = new SplittableRandom(1);
        final int[] counts = new int[2];
        for (int i = 0; i < 1000; i++) {
            counts[pool.mixtureSlot(random, 1.0)]++;
        }
        assertTrue(counts[0] > 400 && counts[1] > 400);
    }

    @Test
    void theMaxTreeAgreesWithABruteForceMaximum() {
        final SplittableRandom random = new SplittableRandom(3);
        final MaxTree tree = new MaxTree(2);
        final double[] values = new double[500];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble();
            tree.add(values[i]);
        }
        for (int update = 0; update < 10_000; update++) {
            final int slot = random.nextInt(values.length);
            values[slot] = random.nextInt(4) == 0 ? 0.0 : random.nextDouble() * 3;
            tree.set(slot, values[slot]);
            assertEquals(Arrays.stream(values).max().orElseThrow(), tree.max(), 0.0);
        }
    }
}
