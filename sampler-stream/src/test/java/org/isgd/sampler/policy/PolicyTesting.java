package org.isgd.sampler.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;

/** Synthetic runs, predictions and distribution checks shared by the policy tests. */
final class PolicyTesting {
    static final int CLASSES = 10;

    private PolicyTesting() {
    }

    static RunSpec spec(final String policy, final int batchSize, final Long budget, final Object... params) {
        final Map<String, Double> map = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.put((String) params[i], ((Number) params[i + 1]).doubleValue());
        }
        return RunSpec.newBuilder().setRunId("test-run").setDataset("test-data").setPolicy(policy).setParams(map)
                .setBatchSize(batchSize).setSeed(7).setBudgetBatches(budget).setWorldSize(1).setLead(8)
                .setState(RunState.ACTIVE).build();
    }

    static int label(final long id) {
        return (int) (id % CLASSES);
    }

    /** A prediction's state: predicted = the label when pCorrect ≥ 0.5, else the next class. */
    static SampleState state(final long id, final double pCorrect, final double loss, final double gradNormBound,
                             final int visits) {
        final int label = label(id);
        final int predicted = pCorrect >= 0.5 ? label : (label + 1) % CLASSES;
        return new SampleState(label, (float) pCorrect, (float) loss, (float) gradNormBound, predicted, visits,
                visits, visits, visits);
    }

    /** Applies a prediction to a policy the way the processor does; returns the new state. */
    static SampleState predict(final SamplingPolicy policy, final Map<Long, SampleState> states, final long id,
                               final double pCorrect, final double loss, final double gradNormBound) {
        final SampleState before = states.get(id);
        final SampleState after = state(id, pCorrect, loss, gradNormBound, before == null ? 1 : before.visits() + 1);
        states.put(id, after);
        policy.update(id, before, after);
        return after;
    }

    /** The processor's per-batch random. */
    static SplittableRandom random(final long seed, final long batchSeq) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + batchSeq);
    }

    /** Draw counts per sample id 0..n-1 over {@code batches} batches from {@code firstSeq}. */
    static long[] counts(final SamplingPolicy policy, final int n, final long firstSeq, final int batches,
                         final int batchSize, final long seed) {
        final long[] counts = new long[n];
        for (int b = 0; b < batches; b++) {
            for (final long id : policy.draw(firstSeq + b, batchSize, random(seed, firstSeq + b)).sampleIds()) {
                counts[(int) id]++;
            }
        }
        return counts;
    }

    static double chiSquareP(final double[] probabilities, final long[] counts) {
        long total = 0;
        for (final long c : counts) {
            total += c;
        }
        final double[] expected = new double[probabilities.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = probabilities[i] * total;
        }
        return new ChiSquareTest().chiSquareTest(expected, counts);
    }

    /** Draws follow {@code right} (p > 0.001) and the same test rejects {@code wrong} (p < 1e-6). */
    static void assertFollows(final double[] right, final double[] wrong, final long[] counts) {
        final double p = chiSquareP(right, counts);
        assertTrue(p > 0.001, "draws do not follow the formula: chi-square p = " + p);
        final double q = chiSquareP(wrong, counts);
        assertTrue(q < 1e-6, "the test cannot tell the formula from a wrong distribution: p = " + q);
    }

    static double[] normalized(final double[] masses) {
        double sum = 0;
        for (final double m : masses) {
            sum += m;
        }
        final double[] out = new double[masses.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = masses[i] / sum;
        }
        return out;
    }
}
