package org.isgd.sampler.policy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The coordinator's side of a sharded run whose policy walks a permutation (selective-backprop,
 * infobatch):
 * each shard walks its own permutation of its samples and keeps by the policy's rule
 * ({@link SamplingPolicy#walkShard}); this class interleaves those walks into one walk of the run.
 * The next candidate comes from shard s with probability (candidates s has left in the run's
 * epoch) ÷ (candidates left in all shards) — a multivariate hypergeometric — so the interleaving
 * of the shards' uniform permutations is a uniform permutation of the run's samples, and every
 * sample is a candidate once per epoch, as on one task. A batch ends at its batchSize-th kept
 * candidate.
 *
 * <p>Not persisted: after a restart the epoch starts afresh and the shards' walks go on from where
 * they were (candidates granted but not used before the restart are skipped for that epoch).
 */
public final class WalkInterleave {
    /** Candidates of the current epoch consumed per shard. */
    private final Map<Integer, Integer> consumed = new HashMap<>();
    /** Kept ÷ candidates over recent batches: sizes the grants, which count candidates. */
    private double keepRate = 1.0;

    /** The run's walk starts a new epoch (its plan changed: the shards start one too). */
    public void restart() {
        consumed.clear();
    }

    /** Kept ÷ candidates of recent batches (1 before the first). */
    public double keepRate() {
        return keepRate;
    }

    /**
     * The next batch's part of the walk.
     *
     * @param took candidates of each shard the batch takes
     * @param left candidates each shard has left in the epoch after it
     */
    public record Pick(int[] took, int[] left) {
    }

    /**
     * How many candidates of each shard the next batch takes, read from the stock without taking
     * them; null when the stock does not cover the batch, with {@code need[j]} raised for the shard
     * that ran out (what it should have, at least).
     *
     * @param populations N_s of {@code shards[j]}
     */
    public Pick candidates(final int batchSize, final int[] shards, final int[] populations, final ShardStock stock,
                           final SplittableRandom random, final int[] need) {
        final int n = shards.length;
        final int[] left = new int[n];
        long total = 0;
        for (int j = 0; j < n; j++) {
            left[j] = Math.max(0, populations[j] - consumed.getOrDefault(shards[j], 0));
            total += left[j];
        }
        final ShardStock.Peek[] peeks = new ShardStock.Peek[n];
        for (int j = 0; j < n; j++) {
            peeks[j] = stock.peek(shards[j]);
        }
        final int[] took = new int[n];
        int kept = 0;
        while (kept < batchSize) {
            if (total == 0) { // the epoch is over: the next one walks every sample again
                for (int j = 0; j < n; j++) {
                    left[j] = populations[j];
                    total += left[j];
                }
                if (total == 0) {
                    throw new IllegalArgumentException("no shard has a sample");
                }
            }
            long u = random.nextLong(total);
            int j = 0;
            while (u >= left[j]) {
                u -= left[j++];
            }
            if (peeks[j].left() == 0) {
                need[j] = Math.max(need[j], took[j] + batchSize);
                return null;
            }
            took[j]++;
            left[j]--;
            total--;
            if (peeks[j].next()) {
                kept++;
            }
        }
        return new Pick(took, left);
    }

    /** The batch of {@code pick} was emitted: the epoch moves on. */
    public void taken(final int batchSize, final int[] shards, final int[] populations, final Pick pick) {
        long walked = 0;
        for (int j = 0; j < shards.length; j++) {
            consumed.put(shards[j], populations[j] - pick.left()[j]);
            walked += pick.took()[j];
        }
        keepRate = 0.8 * keepRate + 0.2 * batchSize / (double) Math.max(1, walked);
    }
}
