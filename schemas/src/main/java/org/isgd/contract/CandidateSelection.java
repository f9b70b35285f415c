package org.isgd.contract;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainer's side of a run with {@code presample} k &gt; 1 (docs/contract.md, "Candidate
 * batches"): the sampler sends k·B candidates drawn uniformly (phase {@value #PHASE}); the trainer
 * scores them with a gradient-free forward pass and this class picks the B it trains, with their
 * weights, by the run's policy rule on the fresh scores. One instance per trainer rank and run: it
 * keeps the rule's running state (τ's average, the recent losses), which starts afresh when the
 * trainer restarts.
 *
 * <ul>
 * <li>{@code upper-bound} (Katharopoulos &amp; Fleuret 2018, Algorithm 1): with g_j the fresh
 * gradient-norm bounds of the n = k·B candidates, τ_b = √(n·Σg²)/Σg and τ the bias-corrected
 * exponential average of τ_b (momentum 0.9) over the batches so far, this one included. While
 * τ &gt; {@code tauThreshold}: B draws with replacement, candidate j with probability
 * p_j = (1 − ε)·g_j/Σg + ε/n, weight min(maxWeight, 1/(n·p_j)) (phase {@code importance});
 * otherwise the first B candidates, weight 1 (phase {@code uniform}). Since the candidates are a
 * uniform draw, the weighted gradient estimates uniform's.</li>
 * <li>{@code selective-backprop} (Jiang et al. 2019): pct_j the fraction of the last
 * {@code history} scored losses (of earlier batches) ≤ the candidate's fresh loss (1 with no
 * history yet), keep weight p_j = ε + (1 − ε)·max(minProb, pct_j^β); B candidates without
 * replacement with probability ∝ p_j (Efraimidis–Spirakis: the B largest ln(u_j)/p_j), weight 1
 * (phase {@code selective}). Then every candidate's loss joins the history.</li>
 * <li>{@code rho-loss} (Mindermann et al. 2022): the B candidates of highest reducible loss
 * loss_j − IL_j, IL_j the sample's irreducible loss ({@link #withIrreducible}; 0 where none was
 * published), ties to the earlier position; weight 1 (phase {@code reducible}).</li>
 * </ul>
 */
public final class CandidateSelection {
    /** The phase of an IndexBatch that carries candidates. */
    public static final String PHASE = "presample";
    /** The RunSpec parameter: candidates per trained sample, k. */
    public static final String PRESAMPLE = "presample";
    public static final String UPPER_BOUND = "upper-bound";
    public static final String SELECTIVE_BACKPROP = "selective-backprop";
    public static final String RHO_LOSS = "rho-loss";
    /** rho-loss's default k: it has no other way to draw. */
    public static final int DEFAULT_RHO_PRESAMPLE = 4;
    public static final int MAX_PRESAMPLE = 16;
    public static final double MOMENTUM = 0.9;
    // The defaults of the policy parameters the rules read, shared with the sampler's declarations.
    public static final double DEFAULT_TAU_THRESHOLD = 1.5;
    public static final double DEFAULT_EPSILON = 0.0;
    public static final double DEFAULT_MAX_WEIGHT = 10;
    public static final double DEFAULT_BETA = 3;
    public static final double DEFAULT_MIN_PROB = 0.05;
    public static final int DEFAULT_HISTORY = 1024;

    /**
     * What to train of one candidate batch.
     *
     * @param positions for each trained row, its candidate's position in the IndexBatch (a
     *     candidate drawn twice appears twice)
     * @param weights each trained row's loss weight
     * @param trained per candidate, whether the step uses it (the {@code trained} column)
     * @param phase {@code importance}, {@code uniform}, {@code selective} or {@code reducible}
     * @param tau upper-bound's τ after this batch; NaN for the other rules
     */
    public record Selection(int[] positions, float[] weights, boolean[] trained, String phase, double tau) {
    }

    private final String policy;
    private final int batchSize;
    private final int presample;
    private final double tauThreshold;
    private final double epsilon;
    private final double maxWeight;
    private final double beta;
    private final double minProb;
    private final float[] history;
    private final SplittableRandom random;
    private float[] irreducible = new float[0];
    private int historyCount;
    private int historyNext;
    private double average;
    private long windows;

    private CandidateSelection(final String policy, final int batchSize, final int presample,
                               final Map<String, Double> params, final SplittableRandom random) {
        this.policy = policy;
        this.batchSize = batchSize;
        this.presample = presample;
        this.tauThreshold = param(params, "tauThreshold", DEFAULT_TAU_THRESHOLD);
        this.epsilon = param(params, "epsilon", DEFAULT_EPSILON);
        this.maxWeight = param(params, "maxWeight", DEFAULT_MAX_WEIGHT);
        this.beta = param(params, "beta", DEFAULT_BETA);
        this.minProb = param(params, "minProb", DEFAULT_MIN_PROB);
        this.history = new float[(int) param(params, "history", DEFAULT_HISTORY)];
        this.random = random;
    }

    /**
     * The rule of a run, or null when its batches carry no candidates (presample absent or 1, or
     * a policy without a candidate rule).
     *
     * @param seed seeds the rule's draws (e.g. the run's seed mixed with the rank)
     */
    public static CandidateSelection forRun(final String policy, final Map<String, Double> params, final int batchSize,
                                            final long seed) {
        final int k = presample(policy, params);
        if (k <= 1 || !(UPPER_BOUND.equals(policy) || SELECTIVE_BACKPROP.equals(policy) || RHO_LOSS.equals(policy))) {
            return null;
        }
        return new CandidateSelection(policy, batchSize, k, params, new SplittableRandom(seed));
    }

    /** k of a run's parameters: 1 when absent (rho-loss: {@value #DEFAULT_RHO_PRESAMPLE}). */
    public static int presample(final String policy, final Map<String, Double> params) {
        return (int) Math.round(param(params, PRESAMPLE, RHO_LOSS.equals(policy) ? DEFAULT_RHO_PRESAMPLE : 1));
    }

    public int batchSize() {
        return batchSize;
    }

    public int presample() {
        return presample;
    }

    /** rho-loss: the irreducible loss of sample id i is {@code byId[i]} (NaN or beyond the array: none). */
    public CandidateSelection withIrreducible(final float[] byId) {
        irreducible = byId.clone();
        return this;
    }

    public String policy() {
        return policy;
    }

    /**
     * Picks the rows to train from the fresh scores of every candidate (index-aligned with the
     * IndexBatch's sampleIds; fewer than k·B candidates, e.g. a short last batch, are fine).
     */
    public Selection select(final long[] sampleIds, final float[] loss, final float[] gradNormBound) {
        if (loss.length != gradNormBound.length || loss.length != sampleIds.length || loss.length == 0) {
            throw new IllegalArgumentException("candidate scores: " + sampleIds.length + " ids, " + loss.length
                    + " losses and " + gradNormBound.length + " gradient-norm bounds; need the same, non-zero number");
        }
        return switch (policy) {
            case UPPER_BOUND -> upperBound(gradNormBound);
            case SELECTIVE_BACKPROP -> selectiveBackprop(loss);
            default -> reducible(sampleIds, loss);
        };
    }

    private Selection reducible(final long[] ids, final float[] loss) {
        final int n = loss.length;
        final int b = Math.min(batchSize, n);
        final double[] score = new double[n];
        final Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            final float il = ids[j] >= 0 && ids[j] < irreducible.length ? irreducible[(int) ids[j]] : Float.NaN;
            score[j] = loss[j] - (Float.isNaN(il) ? 0 : il);
            order[j] = j;
        }
        Arrays.sort(order, (x, y) -> Double.compare(score[y], score[x])); // stable: ties keep the earlier position
        return chosen(order, b, n, "reducible");
    }

    /** The first b of {@code order}, in position order, weight 1. */
    private static Selection chosen(final Integer[] order, final int b, final int n, final String phase) {
        final int[] positions = new int[b];
        final float[] weights = new float[b];
        final boolean[] trained = new boolean[n];
        for (int i = 0; i < b; i++) {
            positions[i] = order[i];
            weights[i] = 1f;
            trained[order[i]] = true;
        }
        Arrays.sort(positions);
        return new Selection(positions, weights, trained, phase, Double.NaN);
    }

    private Selection upperBound(final float[] g) {
        final int n = g.length;
        final int b = Math.min(batchSize, n);
        double sum = 0;
        double squares = 0;
        for (final float v : g) {
            sum += v;
            squares += (double) v * v;
        }
        final double batchTau = sum > 0 ? Math.sqrt(n * squares) / sum : 1.0;
        average = MOMENTUM * average + (1 - MOMENTUM) * batchTau;
        windows++;
        final double tau = average / (1 - Math.pow(MOMENTUM, windows));
        final boolean[] trained = new boolean[n];
        final int[] positions = new int[b];
        final float[] weights = new float[b];
        if (!(tau > tauThreshold) || sum <= 0) {
            for (int i = 0; i < b; i++) {
                positions[i] = i;
                weights[i] = 1f;
                trained[i] = true;
            }
            return new Selection(positions, weights, trained, "uniform", tau);
        }
        final double[] cumulative = new double[n];
        double running = 0;
        for (int j = 0; j < n; j++) {
            running += probability(g[j], sum, n);
            cumulative[j] = running;
        }
        for (int i = 0; i < b; i++) {
            final int j = firstAbove(cumulative, random.nextDouble() * running);
            positions[i] = j;
            weights[i] = (float) Math.min(maxWeight, 1.0 / (n * probability(g[j], sum, n)));
            trained[j] = true;
        }
        return new Selection(positions, weights, trained, "importance", tau);
    }

    /** The first j with {@code cumulative[j] > u} (it has p_j > 0); u below the last value. */
    private static int firstAbove(final double[] cumulative, final double u) {
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (cumulative[mid] > u) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** p_j of upper-bound's resampling. */
    private double probability(final float g, final double sum, final int n) {
        return (1 - epsilon) * g / sum + epsilon / n;
    }

    private Selection selectiveBackprop(final float[] loss) {
        final int n = loss.length;
        final int b = Math.min(batchSize, n);
        final float[] sorted = Arrays.copyOf(history, historyCount);
        Arrays.sort(sorted);
        final double[] keys = new double[n];
        final Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            final double keep = keepWeight(percentile(sorted, loss[j]));
            keys[j] = Math.log(1 - random.nextDouble()) / keep; // ln u / p: the B largest are the draw
            order[j] = j;
        }
        Arrays.sort(order, (x, y) -> Double.compare(keys[y], keys[x]));
        for (final float l : loss) {
            history[historyNext] = l;
            historyNext = (historyNext + 1) % history.length;
            historyCount = Math.min(historyCount + 1, history.length);
        }
        return chosen(order, b, n, "selective");
    }

    /** Fraction of {@code sorted} that is ≤ {@code value}; 1 when empty. */
    static double percentile(final float[] sorted, final float value) {
        if (sorted.length == 0) {
            return 1.0;
        }
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (sorted[mid] <= value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return (double) low / sorted.length;
    }

    /** selective-backprop's keep weight of a candidate at loss percentile {@code pct}. */
    double keepWeight(final double pct) {
        return epsilon + (1 - epsilon) * Math.max(minProb, Math.pow(pct, beta));
    }

    private static double param(final Map<String, Double> params, final String key, final double fallback) {
        final Double value = params == null ? null : params.get(key);
        return value == null ? fallback : value;
    }
}
