package org.isgd.sampler.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

class SumTreeTest {
    private static final int SLOTS = 1000;
    private static final int DRAWS = 400_000;

    @Test
    void drawsMatchTheWeightsAfterManyRandomUpdates() {
        final SplittableRandom random = new SplittableRandom(42);
        final SumTree tree = new SumTree(4); // small on purpose: the tree has to grow many times
        final double[] masses = new double[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            masses[i] = random.nextDouble();
            assertEquals(i, tree.add(masses[i]));
        }
        for (int update = 0; update < 50_000; update++) {
            final int slot = random.nextInt(SLOTS);
            masses[slot] = random.nextInt(10) == 0 ? 0.0 : random.nextDouble() * (1 + slot % 7);
            tree.set(slot, masses[slot]);
        }
        assertEquals(Arrays.stream(masses).sum(), tree.total(), 1e-6);

        final long[] observed = new long[SLOTS];
        for (int i = 0; i < DRAWS; i++) {
            observed[tree.draw(random.nextDouble() * tree.total())]++;
        }
        final double[] expected = new double[SLOTS];
        int nonZero = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (masses[i] == 0) {
                assertEquals(0, observed[i], "slot " + i + " has zero mass but was drawn");
            } else {
                nonZero++;
            }
        }
        final long[] obs = new long[nonZero];
        int j = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (masses[i] > 0) {
                expected[j] = masses[i] / tree.total() * DRAWS;
                obs[j++] = observed[i];
            }
        }
        final double p = new ChiSquareTest().chiSquareTest(Arrays.copyOf(expected, nonZero), obs);
        assertTrue(p > 0.001, "draws do not follow the masses: chi-square p = " + p);

        // the same test must reject a distribution the draws do not follow
        final double[] uniform = new double[nonZero];
        Arrays.fill(uniform, (double) DRAWS / nonZero);
        assertTrue(new ChiSquareTest().chiSquareTest(uniform, obs) < 1e-6);
    }

    @Test
    void edgesOfTheIntervalAndZeroMassesAreSafe() {
        final SumTree tree = new SumTree(8);
        tree.add(0.0);
        tree.add(2.0);
        tree.add(0.0);
        assertEquals(1, tree.draw(0.0));
        assertEquals(1, tree.draw(tree.total()));
        assertEquals(1, tree.draw(Math.nextDown(tree.total())));
        tree.set(1, 0.0);
        assertThrows(IllegalStateException.class, () -> tree.draw(0.5));
        assertThrows(IllegalArgumentException.class, () -> tree.set(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> tree.set(0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> tree.set(3, 1));
    }
}
