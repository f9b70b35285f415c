package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.assertFollows;
import static org.isgd.sampler.policy.PolicyTesting.label;
import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;
import org.junit.jupiter.api.Test;

/**
 * The two-level draw in memory: one run split over three shards (unequal sizes, one shard with
 * only unseen samples, so the run's maximum comes from another shard), its batches assembled from
 * stock the shards drew ahead in grants of several batches' worth, draws what the same run on one
 * policy draws: same q_i (to 1e-12), same weights, and counts that fit q_i (chi-square).
 */
class ShardedDrawTest {
    private static final int N = 90;

    @Test
    void earlyImportanceShardedEqualsSingle() {
        // ε > 0 and smoothing > 0: a true mixture; shard 2 holds only unseen samples
        final RunSpec spec = spec("early-importance", 64, null, "warmupEpochs", 0, "smoothing", 0.5, "epsilon", 0.1);
        checkEquivalent(spec, id -> id < 70 ? 0.02 + 0.9 * (id % 9) / 8.0 : Double.NaN);
    }

    @Test
    void upperBoundShardedEqualsSingle() {
        final RunSpec spec = spec("upper-bound", 64, null, "tauThreshold", 0.0, "epsilon", 0.2);
        checkEquivalent(spec, id -> id < 70 ? 0.1 + (id % 5) : Double.NaN);
    }

    @Test
    void uniformShardedIsUniform() {
        checkEquivalent(spec("uniform", 64, null), id -> Double.NaN);
    }

    @Test
    void candidateBatchesSayTheyCannotBeShardedSelectiveBackpropAndInfobatchWalk() {
        final SamplingPolicy rho = Policies.forRun(spec("rho-loss", 8, null));
        assertFalse(rho.shardable());
        assertFalse(rho.walks());
        assertTrue(Policies.forRun(spec("infobatch", 8, null)).walks());
        final SamplingPolicy presampled = Policies.forRun(spec("selective-backprop", 8, null, "presample", 3));
        assertFalse(presampled.shardable(), "candidate batches are not cut by the sharded draw");
        final SamplingPolicy sb = Policies.forRun(spec("selective-backprop", 8, null));
        assertTrue(sb.shardable());
        assertTrue(sb.walks());
        assertEquals("selective", sb.plan(0, 8, new ShardedDraw.Totals(1, 1, 1, 0)).phase());
        assertEquals(1f, sb.weight(0.5, 2));
    }

    /**
     * A shard that grew after its last report (10 unseen samples more than the coordinator knows):
     * the q_i it returns are still the true inclusion probabilities, chance × probability in the
     * shard now — they sum to 1 over the run's samples, and the draw counts fit them.
     */
    @Test
    void staleSummariesStillGiveTrueProbabilities() {
        final RunSpec spec = spec("early-importance", 32, null, "warmupEpochs", 0, "smoothing", 0.5, "epsilon", 0.1);
        final List<SamplingPolicy> shards = List.of(Policies.forRun(spec), Policies.forRun(spec));
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < 40; id++) {
            shards.get((int) (id % 2)).put(id, label(id), null);
            final SampleState after = PolicyTesting.state(id, 0.1 + 0.02 * id, 1, 1, 1);
            states.put(id, after);
            shards.get((int) (id % 2)).update(id, null, after);
        }
        final Map<Integer, ShardedDraw.Summary> summaries = new HashMap<>();
        summaries.put(0, shards.get(0).summary());
        summaries.put(1, shards.get(1).summary());
        for (long id = 40; id < 50; id++) { // arrive after the reports
            shards.get(0).put(id, label(id), null);
        }
        final ShardedDraw.Totals totals = ShardedDraw.Totals.of(summaries.values());
        final int[] ids = {0, 1};
        final SplittableRandom random = new SplittableRandom(5);
        final Coordinator coordinator = new Coordinator(shards.get(0), shards, 100);
        final long[] counts = new long[50];
        final double[] q = new double[50];
        for (int b = 0; b < 4000; b++) {
            final ShardedDraw.Plan plan = shards.get(0).plan(b, 32, totals);
            final ShardedDraw.Share[] shares = ShardedDraw.shares(plan.share(), ids, summaries, totals);
            final SamplingPolicy.Draw batch = coordinator.batch(32, plan, ids, shares, totals, random);
            for (int i = 0; i < batch.sampleIds().length; i++) {
                counts[(int) batch.sampleIds()[i]]++;
                q[(int) batch.sampleIds()[i]] = batch.probabilities()[i];
            }
        }
        double sum = 0;
        for (final double v : q) {
            assertTrue(v > 0, "every sample drawn");
            sum += v;
        }
        assertEquals(1.0, sum, 1e-9, "the reported q_i are a distribution");
        final double[] uniform = new double[50];
        java.util.Arrays.fill(uniform, 1.0 / 50);
        assertFollows(q, uniform, counts);
    }

    /**
     * The coordinator's side, in memory: each shard draws {@code grant} samples at a time into a
     * {@link ShardStock} (so a stock entry serves a later batch than the one that asked), and
     * every batch takes its multinomial counts from the stock, q_i = chance × r_s(i).
     */
    private static final class Coordinator {
        private final SamplingPolicy planner;
        private final List<SamplingPolicy> shards;
        private final int grant;
        private final ShardStock stock = new ShardStock(0);

        Coordinator(final SamplingPolicy planner, final List<SamplingPolicy> shards, final int grant) {
            this.planner = planner;
            this.shards = shards;
            this.grant = grant;
        }

        SamplingPolicy.Draw batch(final int size, final ShardedDraw.Plan plan, final int[] ids,
                                  final ShardedDraw.Share[] shares, final ShardedDraw.Totals totals,
                                  final SplittableRandom random) {
            stock.replan(plan);
            final int[] counts = ShardedDraw.counts(size, shares, random);
            final long[] sampleIds = new long[size];
            final int[] labels = new int[size];
            final double[] q = new double[size];
            final float[] weights = new float[size];
            int at = 0;
            for (int j = 0; j < ids.length; j++) {
                while (stock.available(ids[j]) < counts[j]) {
                    final long number = stock.grant(ids[j], grant, 0);
                    final SamplingPolicy.Draw d = shards.get(ids[j]).drawShard(grant, plan, totals,
                            shares[j].proportional(), random);
                    assertEquals(plan.phase(), d.phase());
                    assertTrue(stock.receive(ids[j], new ShardStock.Chunk(number, 0, d.sampleIds(), d.labels(),
                            d.probabilities())));
                }
                stock.take(ids[j], counts[j], sampleIds, labels, q, at);
                for (int i = at; i < at + counts[j]; i++) {
                    q[i] *= shares[j].chance();
                    weights[i] = planner.weight(q[i], totals.population());
                    assertEquals(label(sampleIds[i]), labels[i], "label of " + sampleIds[i]);
                }
                at += counts[j];
            }
            return new SamplingPolicy.Draw(sampleIds, labels, weights, q, plan.phase());
        }
    }

    interface Scores {
        /** The score of a sample, NaN for one never trained. */
        double of(long id);
    }

    private static void checkEquivalent(final RunSpec spec, final Scores scores) {
        final SamplingPolicy single = Policies.forRun(spec);
        final List<SamplingPolicy> shards = List.of(Policies.forRun(spec), Policies.forRun(spec), Policies.forRun(spec));
        final Map<Long, SampleState> states = new HashMap<>();
        for (long id = 0; id < N; id++) {
            final int shard = id < 40 ? 0 : id < 70 ? 1 : 2; // 40 / 30 / 20 samples
            single.put(id, label(id), null);
            shards.get(shard).put(id, label(id), null);
        }
        for (int round = 0; round < 3; round++) { // several visits: τ windows fill on every shard
            for (long id = 0; id < N; id++) {
                final double s = scores.of(id);
                if (Double.isNaN(s)) {
                    continue;
                }
                final SampleState before = states.get(id);
                final SampleState after = PolicyTesting.state(id, 1 - s / 10, 1, s, before == null ? 1 : before.visits() + 1);
                states.put(id, after);
                single.update(id, before, after);
                shards.get(id < 40 ? 0 : 1).update(id, before, after);
            }
        }
        final Map<Integer, ShardedDraw.Summary> summaries = new HashMap<>();
        for (int s = 0; s < shards.size(); s++) {
            summaries.put(s, shards.get(s).summary());
        }
        final ShardedDraw.Totals totals = ShardedDraw.Totals.of(summaries.values());
        assertEquals(N, totals.population());

        // one batch from the single policy gives q_i and the weights for the drawn samples
        final Map<Long, Double> singleQ = new HashMap<>();
        final Map<Long, Float> singleW = new HashMap<>();
        for (int b = 0; b < 200; b++) {
            final SamplingPolicy.Draw d = single.draw(b, 64, new SplittableRandom(b));
            for (int i = 0; i < d.sampleIds().length; i++) {
                singleQ.put(d.sampleIds()[i], d.probabilities()[i]);
                singleW.put(d.sampleIds()[i], d.weights()[i]);
            }
        }
        final long[] counts = new long[N];
        final int[] ids = {0, 1, 2};
        final SplittableRandom random = new SplittableRandom(42);
        final Coordinator coordinator = new Coordinator(single, shards, 150); // a grant covers several batches
        String phase = null;
        for (int b = 0; b < 3000; b++) {
            final ShardedDraw.Plan plan = single.plan(b, 64, totals);
            phase = plan.phase();
            final ShardedDraw.Share[] shares = ShardedDraw.shares(plan.share(), ids, summaries, totals);
            final SamplingPolicy.Draw batch = coordinator.batch(64, plan, ids, shares, totals, random);
            assertEquals(64, batch.sampleIds().length);
            for (int i = 0; i < batch.sampleIds().length; i++) {
                final long id = batch.sampleIds()[i];
                counts[(int) id]++;
                if (singleQ.containsKey(id)) {
                    assertEquals(singleQ.get(id), batch.probabilities()[i], 1e-12, "q of " + id);
                    assertEquals(singleW.get(id), batch.weights()[i], 1e-6f, "weight of " + id);
                }
            }
        }
        assertEquals(single.draw(200, 64, new SplittableRandom(1)).phase(), phase, "same phase");
        // the exact q of every sample from the single policy's formula
        final double[] q = new double[N];
        for (long id = 0; id < N; id++) {
            q[(int) id] = singleQ.containsKey(id) ? singleQ.get(id) : Double.NaN;
        }
        final double[] expected = new double[N];
        final double[] uniform = new double[N];
        boolean allSeenInSingle = true;
        for (int i = 0; i < N; i++) {
            allSeenInSingle &= !Double.isNaN(q[i]);
            expected[i] = q[i];
            uniform[i] = 1.0 / N;
        }
        assertTrue(allSeenInSingle, "200 single-policy batches drew every sample at least once");
        if (spec.getPolicy().equals("uniform")) {
            final double[] skewed = new double[N];
            for (int i = 0; i < N; i++) {
                skewed[i] = (i < 45 ? 1.5 : 0.5) / N;
            }
            assertFollows(uniform, skewed, counts);
        } else {
            assertFollows(expected, uniform, counts);
        }
    }
}
