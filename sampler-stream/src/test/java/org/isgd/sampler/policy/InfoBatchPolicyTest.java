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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

class InfoBatchPolicyTest {
    private static final int N = 1000;

    /** N samples with losses (i + 0.5)/N: mean 0.5, samples 0..499 below it. */
    private static InfoBatchPolicy trained(final int batchSize, final Long budget, final Object... params) {
        final InfoBatchPolicy policy = new InfoBatchPolicy(spec(InfoBatchPolicy.NAME, batchSize, budget, params));
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < N; id++) {
            policy.put(id, label(id), null);
            predict(policy, states, id, 0.5, (id + 0.5) / N, 1);
        }
        return policy;
    }

    @Test
    void anEpochDrawsEveryKeptSampleOnceAndPrunesOnlyBelowMeanOnes() {
        final InfoBatchPolicy policy = trained(1, null);
        final Set<Long> drawn = new HashSet<>();
        SamplingPolicy.Draw draw = policy.draw(0, 1, random(1, 0));
        final int length = N - policy.lastPruned();
        // 500 below-mean samples, each pruned with probability 0.5: 250 ± 4σ (σ ≈ 11)
        assertTrue(Math.abs(policy.lastPruned() - 250) < 45, "pruned " + policy.lastPruned());
        final double expectedDraws = N - 0.5 * 500;
        for (long seq = 1; seq <= length; seq++) {
            final long id = draw.sampleIds()[0];
            assertTrue(drawn.add(id), "sample " + id + " drawn twice in one epoch");
            assertEquals(InfoBatchPolicy.PRUNE, draw.phase());
            assertEquals(id < 500 ? 2f : 1f, draw.weights()[0]);
            assertEquals((id < 500 ? 0.5 : 1.0) / expectedDraws, draw.probabilities()[0], 1e-15);
            draw = policy.draw(seq, 1, random(1, seq));
        }
        for (long id = 500; id < N; id++) {
            assertTrue(drawn.contains(id), "above-mean sample " + id + " was pruned");
        }
        assertEquals(length, drawn.size());
    }

    @Test
    void overManyEpochsBelowMeanSamplesAreDrawnAtOneMinusThePruneRatio() {
        final double ratio = 0.7;
        final InfoBatchPolicy policy = trained(100, null, "pruneRatio", ratio);
        final double[] expected = new double[N];
        for (int id = 0; id < N; id++) {
            expected[id] = id < 500 ? 1 - ratio : 1.0;
        }
        final double[] uniform = new double[N];
        Arrays.fill(uniform, 1.0);
        final long[] counts = counts(policy, N, 0, 2_000, 100, 2);
        assertFollows(PolicyTesting.normalized(expected), PolicyTesting.normalized(uniform), counts);
        final SamplingPolicy.Draw draw = policy.draw(2_000, 100, random(2, 2_000));
        for (int i = 0; i < 100; i++) {
            assertEquals(draw.sampleIds()[i] < 500 ? (float) (1 / (1 - ratio)) : 1f, draw.weights()[i], 1e-6);
        }
    }

    /**
     * A shard's walk (sharded infobatch): an epoch walks every sample once, a left-out one as a
     * candidate that is not kept, kept below-mean ones with keep probability 1 − r and weight 1/(1 − r)
     * from q = p/N; while annealing every candidate is kept at 1.
     */
    @Test
    void aShardsWalkLeavesOutBelowMeanSamplesAsCandidatesNotKept() {
        final InfoBatchPolicy policy = trained(100, 1_000L);
        assertTrue(policy.shardable() && policy.walks());
        final ShardedDraw.Plan prune = policy.plan(0, 100, new ShardedDraw.Totals(N, 0, 0, 0));
        assertEquals(InfoBatchPolicy.PRUNE, prune.phase());
        final SamplingPolicy.Walk walk = policy.walkShard(N, prune, random(4, 0));
        assertEquals(N, walk.candidates());
        assertEquals(N - policy.lastPruned(), walk.kept().sampleIds().length);
        assertTrue(Math.abs(policy.lastPruned() - 250) < 45, "pruned " + policy.lastPruned());
        final Set<Long> kept = new HashSet<>();
        for (int i = 0; i < walk.at().length; i++) {
            final long id = walk.kept().sampleIds()[i];
            assertTrue(kept.add(id), "kept twice in one epoch: " + id);
            final double p = walk.kept().probabilities()[i];
            assertEquals(id < 500 ? 0.5 : 1.0, p);
            assertEquals(id < 500 ? 2f : 1f, policy.weight(p / N, N));
            assertTrue(i == 0 || walk.at()[i] > walk.at()[i - 1]);
        }
        for (long id = 500; id < N; id++) {
            assertTrue(kept.contains(id), "above-mean sample " + id + " was left out");
        }
        final ShardedDraw.Plan anneal = policy.plan(900, 100, new ShardedDraw.Totals(N, 0, 0, 0));
        assertEquals(InfoBatchPolicy.ANNEAL, anneal.phase());
        final SamplingPolicy.Walk annealed = policy.walkShard(N, anneal, random(4, 1));
        assertEquals(N, annealed.kept().sampleIds().length, "annealing keeps every candidate");
        assertEquals(N, Arrays.stream(annealed.kept().sampleIds()).distinct().count());
        assertEquals(1f, policy.weight(1.0 / N, N));
    }

    @Test
    void weightsAreClippedAtMaxWeight() {
        final InfoBatchPolicy policy = trained(100, null, "pruneRatio", 0.95, "maxWeight", 4);
        final SamplingPolicy.Draw draw = policy.draw(0, 100, random(3, 0));
        for (int i = 0; i < 100; i++) {
            assertEquals(draw.sampleIds()[i] < 500 ? 4f : 1f, draw.weights()[i]);
        }
    }

    @Test
    void theLastAnnealFractionOfTheBudgetUsesAllSamplesUnweighted() {
        final int batch = 100;
        final InfoBatchPolicy policy = trained(batch, 80L); // anneal from batch ceil(0.875 * 80) = 70
        for (long seq = 0; seq < 70; seq++) {
            assertEquals(InfoBatchPolicy.PRUNE, policy.draw(seq, batch, random(4, seq)).phase(), "batch " + seq);
        }
        final Set<Long> drawn = new HashSet<>();
        for (long seq = 70; seq < 80; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, batch, random(4, seq));
            assertEquals(InfoBatchPolicy.ANNEAL, draw.phase());
            for (int i = 0; i < batch; i++) {
                assertTrue(drawn.add(draw.sampleIds()[i]));
                assertEquals(1f, draw.weights()[i]);
                assertEquals(1.0 / N, draw.probabilities()[i]);
            }
        }
        assertEquals(N, drawn.size()); // the anneal epoch is the whole population
    }

    @Test
    void withoutABudgetItNeverAnneals() {
        final InfoBatchPolicy policy = trained(100, null);
        for (long seq = 0; seq < 300; seq++) {
            assertEquals(InfoBatchPolicy.PRUNE, policy.draw(seq, 100, random(5, seq)).phase());
        }
    }

    @Test
    void aSampleRegisteredMidEpochIsDrawnNext() {
        final InfoBatchPolicy policy = trained(10, null);
        policy.draw(0, 10, random(6, 0));
        policy.put(N, label(N), null);
        final SamplingPolicy.Draw draw = policy.draw(1, 10, random(6, 1));
        assertEquals(N, draw.sampleIds()[0]);
        assertEquals(1f, draw.weights()[0]);
    }

    @Test
    void aRebuiltPolicyPrunesItsNextEpochLikeTheLiveOne() {
        final InfoBatchPolicy live = trained(50, null);
        final InfoBatchPolicy rebuilt = new InfoBatchPolicy(spec(InfoBatchPolicy.NAME, 50, null));
        for (long id = 0; id < N; id++) {
            rebuilt.put(id, label(id), PolicyTesting.state(id, 0.5, (id + 0.5) / N, 1, 1));
        }
        for (long seq = 40; seq < 60; seq++) {
            final SamplingPolicy.Draw a = live.draw(seq, 50, random(7, seq));
            final SamplingPolicy.Draw b = rebuilt.draw(seq, 50, random(7, seq));
            assertArrayEquals(a.sampleIds(), b.sampleIds());
            assertArrayEquals(a.weights(), b.weights());
            assertArrayEquals(a.probabilities(), b.probabilities());
        }
    }
}
