package org.isgd.sampler.policy;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * The two-level draw of a run spread over shards (docs/architecture.md, "One run across several sampler instances").
 * Every shard reports a {@link Summary}; the coordinator adds them into {@link Totals}, picks how
 * many of the batch's samples each shard draws (multinomial over {@link #shardProbability}), and
 * each shard draws its count with {@link SamplingPolicy#drawShard}. For the mixture
 * q_i = share · m_i / M + (1 − share) / N the chance of shard s is
 * P(s) = share · M_s / M + (1 − share) · N_s / N, and within the shard a draw is ∝ mass with
 * probability share · M_s / (M · P(s)), else uniform: their product is q_i, the single-task draw.
 * Unseen samples count at the run's highest score (the maximum over the shards), as they would
 * on one task.
 */
public final class ShardedDraw {
    private ShardedDraw() {
    }

    /**
     * One shard's state for one run.
     *
     * @param seenMass Σ of the scores of samples with a score
     * @param unseenCount samples without a score yet (they count at the run's maximum)
     * @param maxMass the highest score in the shard
     * @param tau the shard's variance-reduction estimate (upper-bound), 0 for other policies
     */
    public record Summary(int population, double seenMass, int unseenCount, double maxMass, double tau) {
        /** M_s with unseen samples at the run's maximum. */
        public double mass(final double runMax) {
            return seenMass + unseenCount * runMax;
        }
    }

    /** The run as a whole: N, M (unseen at the maximum), the maximum, τ (population-weighted mean). */
    public record Totals(int population, double mass, double maxMass, double tau) {
        public static Totals of(final Iterable<Summary> shards) {
            int population = 0;
            double max = 0;
            double tauSum = 0;
            for (final Summary s : shards) {
                population += s.population();
                max = Math.max(max, s.maxMass());
                tauSum += s.tau() * s.population();
            }
            double mass = 0;
            for (final Summary s : shards) {
                mass += s.mass(max);
            }
            return new Totals(population, mass, max, population == 0 ? 0 : tauSum / population);
        }
    }

    /** How one batch is drawn: its phase name and the share of draws proportional to mass. */
    public record Plan(String phase, double share) {
    }

    /** P(s): the chance that one draw of the batch comes from a shard with population n and mass m. */
    public static double shardProbability(final double share, final double shardMass, final int shardPopulation,
                                          final Totals totals) {
        if (totals.population() == 0) {
            return 0;
        }
        final double uniform = (double) shardPopulation / totals.population();
        return totals.mass() > 0 ? share * shardMass / totals.mass() + (1 - share) * uniform : uniform;
    }

    /**
     * What the coordinator tells one shard about its part of a batch: the chance P(s) it gave the
     * shard for each draw, and the share of the shard's draws to make ∝ mass (the rest uniform in
     * the shard), both from the summaries it had. The shard computes each drawn sample's q_i as
     * chance × its probability in the shard as the shard is now, so q_i and the weights stay the
     * true inclusion probabilities even when a summary is a report behind.
     */
    public record Share(double chance, double proportional) {
    }

    /** Each shard's {@link Share} for a batch drawn under {@code share} (chances normalised to sum 1). */
    public static Share[] shares(final double share, final int[] shards, final Map<Integer, Summary> summaries,
                                 final Totals totals) {
        final Share[] out = new Share[shards.length];
        double sum = 0;
        final double[] chance = new double[shards.length];
        for (int i = 0; i < shards.length; i++) {
            final Summary s = summaries.get(shards[i]);
            chance[i] = shardProbability(share, s.mass(totals.maxMass()), s.population(), totals);
            sum += chance[i];
        }
        for (int i = 0; i < shards.length; i++) {
            final Summary s = summaries.get(shards[i]);
            final double proportional = chance[i] > 0 && totals.mass() > 0
                    ? share * s.mass(totals.maxMass()) / totals.mass() / chance[i] : 0;
            out[i] = new Share(sum > 0 ? chance[i] / sum : 0, Math.min(1, proportional));
        }
        return out;
    }

    /**
     * How many of a batch's {@code batchSize} samples each shard draws: a multinomial over the
     * shards' chances, with a seeded generator so a coordinator replaying a batch decides the same.
     */
    public static int[] counts(final int batchSize, final Share[] shares, final SplittableRandom random) {
        final double[] cumulative = new double[shares.length];
        double sum = 0;
        for (int i = 0; i < shares.length; i++) {
            sum += shares[i].chance();
            cumulative[i] = sum;
        }
        final int[] counts = new int[shares.length];
        for (int draw = 0; draw < batchSize; draw++) {
            final double u = random.nextDouble() * sum;
            int i = 0;
            while (i < shares.length - 1 && u >= cumulative[i]) {
                i++;
            }
            counts[i]++;
        }
        return counts;
    }
}
