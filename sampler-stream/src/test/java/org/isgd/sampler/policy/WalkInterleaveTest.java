package org.isgd.sampler.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.isgd.sampler.sampling.EpochQueue;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's interleaving of the shards' walks (selective-backprop sharded): shards that
 * walk their own permutations and keep each candidate with a known probability, answered grants
 * in stock, batches assembled by {@link WalkInterleave} — every sample a candidate once per epoch,
 * batches of exactly batchSize, each sample kept as often as its keep probability says.
 */
class WalkInterleaveTest {
    private static final int[] SHARDS = {0, 1, 2};
    private static final int[] POPULATIONS = {50, 20, 30};
    private static final int BATCH = 10;

    /** A shard that walks permutations of ids shard·1000 + 0..n−1 and keeps id i with keep[i]. */
    private static final class Walker {
        final int shard;
        final int n;
        final double[] keep;
        final EpochQueue walk = new EpochQueue();
        final SplittableRandom random;

        Walker(final int shard, final int n, final double[] keep, final long seed) {
            this.shard = shard;
            this.n = n;
            this.keep = keep;
            this.random = new SplittableRandom(seed);
        }

        ShardStock.Chunk answer(final long grant, final int candidates) {
            final List<Integer> at = new ArrayList<>();
            final List<Integer> kept = new ArrayList<>();
            for (int c = 0; c < candidates; c++) {
                if (walk.isEmpty()) {
                    final int[] slots = new int[n];
                    Arrays.setAll(slots, i -> i);
                    walk.start(slots, n, random);
                }
                final int slot = walk.poll();
                if (random.nextDouble() < keep[slot]) {
                    at.add(c);
                    kept.add(slot);
                }
            }
            final long[] ids = kept.stream().mapToLong(s -> shard * 1000L + s).toArray();
            return new ShardStock.Chunk(grant, 0, ids, new int[ids.length],
                    kept.stream().mapToDouble(s -> keep[s]).toArray(), at.stream().mapToInt(Integer::intValue).toArray(),
                    candidates);
        }
    }

    /** Runs {@code batches} batches; returns the kept ids in order (q_i checked on the way). */
    private static List<Long> run(final Walker[] walkers, final int batches, final int grantSize) {
        final ShardStock stock = new ShardStock(0);
        stock.replan(new ShardedDraw.Plan("selective", 0));
        final WalkInterleave interleave = new WalkInterleave();
        final List<Long> out = new ArrayList<>();
        for (int b = 0; b < batches; ) {
            final int[] need = new int[SHARDS.length];
            final WalkInterleave.Pick pick = interleave.candidates(BATCH, SHARDS, POPULATIONS, stock,
                    new SplittableRandom(b), need);
            if (pick == null) {
                for (int j = 0; j < SHARDS.length; j++) { // top up every shard that is short, as the coordinator does
                    if (need[j] > 0) {
                        final long grant = stock.grant(SHARDS[j], grantSize, 0);
                        assertTrue(stock.receive(SHARDS[j], walkers[j].answer(grant, grantSize)));
                    }
                }
                continue;
            }
            final long[] ids = new long[BATCH];
            final double[] keep = new double[BATCH];
            final long[] oldest = {Long.MAX_VALUE};
            int at = 0;
            for (int j = 0; j < SHARDS.length; j++) {
                at += stock.consume(SHARDS[j], pick.took()[j], ids, new int[BATCH], keep, at, oldest);
            }
            assertEquals(BATCH, at, "a batch ends at its batchSize-th kept candidate");
            for (int i = 0; i < BATCH; i++) {
                final Walker w = walkers[(int) (ids[i] / 1000)];
                assertEquals(w.keep[(int) (ids[i] % 1000)], keep[i], "each kept sample carries its keep probability");
                out.add(ids[i]);
            }
            interleave.taken(BATCH, SHARDS, POPULATIONS, pick);
            b++;
        }
        return out;
    }

    private static Walker[] walkers(final java.util.function.IntToDoubleFunction keep) {
        final Walker[] walkers = new Walker[SHARDS.length];
        for (int j = 0; j < SHARDS.length; j++) {
            final double[] k = new double[POPULATIONS[j]];
            final int shard = j;
            Arrays.setAll(k, i -> keep.applyAsDouble(shard * 1000 + i));
            walkers[j] = new Walker(SHARDS[j], POPULATIONS[j], k, 17 + j);
        }
        return walkers;
    }

    @Test
    void everySampleIsACandidateOncePerEpochAcrossTheShards() {
        // all kept (never-trained samples): each epoch of 100 candidates is 10 batches holding every sample once
        final int epochs = 200;
        final List<Long> kept = run(walkers(id -> 1.0), epochs * 10, 37);
        final long[] early = new long[SHARDS.length];
        for (int epoch = 0; epoch < epochs; epoch++) {
            final Set<Long> seen = new HashSet<>(kept.subList(epoch * 100, epoch * 100 + 100));
            assertEquals(100, seen.size(), "epoch " + epoch + " holds every sample once");
            for (final long id : kept.subList(epoch * 100, epoch * 100 + 30)) {
                early[(int) (id / 1000)]++;
            }
        }
        // and in a uniform order: the first 30 of each epoch come from the shards as N_s / N says
        final double[] expected = Arrays.stream(POPULATIONS).mapToDouble(n -> epochs * 30 * n / 100.0).toArray();
        final double p = new ChiSquareTest().chiSquareTest(expected, early);
        assertTrue(p > 0.001, "shards early in the epoch " + Arrays.toString(early) + ", chi-square p = " + p);
    }

    @Test
    void samplesAreKeptAsOftenAsTheirKeepProbabilitySays() {
        // keep probabilities from 0.05 to 1: over many epochs sample i is kept about epochs · p_i times
        final java.util.function.IntToDoubleFunction keep = id -> 0.05 + 0.95 * ((id % 1000) % 7) / 6.0;
        final Walker[] walkers = walkers(keep);
        final List<Long> kept = run(walkers, 3000, 64);
        final List<Long> ids = new ArrayList<>();
        double sum = 0;
        for (int j = 0; j < SHARDS.length; j++) {
            for (int i = 0; i < POPULATIONS[j]; i++) {
                ids.add(SHARDS[j] * 1000L + i);
                sum += keep.applyAsDouble(SHARDS[j] * 1000 + i);
            }
        }
        final double[] expected = new double[ids.size()];
        final long[] observed = new long[ids.size()];
        for (int k = 0; k < ids.size(); k++) {
            expected[k] = kept.size() * keep.applyAsDouble((int) (long) ids.get(k)) / sum;
        }
        for (final long id : kept) {
            observed[ids.indexOf(id)]++;
        }
        final double p = new ChiSquareTest().chiSquareTest(expected, observed);
        assertTrue(p > 0.001, "kept ∝ keep probability: chi-square p = " + p);
    }

    @Test
    void aBatchTheStockDoesNotCoverTakesNothingAndSaysWhichShardRanShort() {
        final ShardStock stock = new ShardStock(0);
        stock.replan(new ShardedDraw.Plan("selective", 0));
        final Walker[] walkers = walkers(id -> 1.0);
        final long grant = stock.grant(0, 5, 0);
        assertTrue(stock.receive(0, walkers[0].answer(grant, 5)));
        final int[] need = new int[SHARDS.length];
        final WalkInterleave interleave = new WalkInterleave();
        assertNull(interleave.candidates(BATCH, SHARDS, POPULATIONS, stock, new SplittableRandom(1), need));
        assertTrue(Arrays.stream(need).sum() > 0, "the shard that ran short is named");
        assertEquals(5, stock.available(0), "nothing was taken");
        for (int j = 1; j < SHARDS.length; j++) {
            final long g = stock.grant(SHARDS[j], 40, 0);
            assertTrue(stock.receive(SHARDS[j], walkers[j].answer(g, 40)));
        }
        final long g = stock.grant(0, 40, 0);
        assertTrue(stock.receive(0, walkers[0].answer(g, 40)));
        assertNotNull(interleave.candidates(BATCH, SHARDS, POPULATIONS, stock, new SplittableRandom(1), need));
    }
}
