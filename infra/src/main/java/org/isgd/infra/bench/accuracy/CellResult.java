package org.isgd.infra.bench.accuracy;

import java.util.List;
import java.util.Map;

/**
 * One finished cell of the accuracy grid, as appended to results.jsonl: what was trained, every
 * evaluation point, what it was fed, and what the sampler thought of the samples.
 *
 * @param budget fraction of the full schedule ({@code fullBatches}) this run was given
 * @param images samples trained (batches × batch size)
 * @param trainSeconds training wall time, waiting for batches included, evaluations excluded
 * @param wallSeconds the whole cell, evaluations and run set-up included
 * @param histograms importance histograms at every evaluation point (Kafka-fed arms only)
 * @param extremes the hardest and easiest training samples per class at the end (Kafka-fed arms only)
 */
public record CellResult(String arm, String policy, String feed, String augment, String data, double budget,
                         long seed, String runId, Map<String, Double> params, int trainSize, long batches,
                         long images, long fullBatches, double trainSeconds, double wallSeconds, String finishedAt,
                         List<EvalPoint> evaluations, Map<String, Long> phases,
                         List<ImportanceHistogram> histograms, List<ClassExtremes> extremes,
                         @com.fasterxml.jackson.annotation.JsonInclude(
                                 com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) NoiseGuard noiseGuard) {

    /** A result without noise-guard figures (runs before they were recorded, or data without flipped labels). */
    public CellResult(final String arm, final String policy, final String feed, final String augment, final String data,
                      final double budget, final long seed, final String runId, final Map<String, Double> params,
                      final int trainSize, final long batches, final long images, final long fullBatches,
                      final double trainSeconds, final double wallSeconds, final String finishedAt,
                      final List<EvalPoint> evaluations, final Map<String, Long> phases,
                      final List<ImportanceHistogram> histograms, final List<ClassExtremes> extremes) {
        this(arm, policy, feed, augment, data, budget, seed, runId, params, trainSize, batches, images, fullBatches,
                trainSeconds, wallSeconds, finishedAt, evaluations, phases, histograms, extremes, null);
    }

    /**
     * What the sampler's noise guard had flagged when a Kafka-fed run on data with flipped labels ended.
     *
     * @param flagged samples flagged as suspected mislabels
     * @param flaggedFlipped of those, how many really had a flipped label (precision = flaggedFlipped / flagged)
     * @param flipped samples with a flipped label in the training set (recall = flaggedFlipped / flipped)
     */
    public record NoiseGuard(long flagged, long flaggedFlipped, long flipped) {
    }

    /**
     * One evaluation on the (balanced, clean) test set.
     *
     * @param trainSeconds training seconds up to this step, evaluations excluded
     * @param classShares share of draws per training label since the previous evaluation
     * @param flippedShare share of draws since the previous evaluation whose label was flipped (label noise), else 0
     */
    public record EvalPoint(long step, double trainSeconds, double testAccuracy, double balancedAccuracy,
                            double trainLoss, double[] perClassAccuracy, double[] classShares, double flippedShare) {
    }

    /**
     * The trained samples' latest value of one importance quantity, counted in equal bins on [min, max].
     *
     * @param quantity {@link #ONE_MINUS_P_CORRECT} or {@link #GRAD_NORM_BOUND}
     * @param trained samples the sampler had a prediction for
     */
    public record ImportanceHistogram(long step, String quantity, double min, double max, long[] counts, int trained) {
        public static final String ONE_MINUS_P_CORRECT = "1 - pCorrect";
        public static final String GRAD_NORM_BOUND = "gradNormBound";
    }

    /** Per class (training label): ids of the highest- and lowest-loss samples, with their losses. */
    public record ClassExtremes(int label, long[] hardest, float[] hardestLoss, long[] easiest, float[] easiestLoss) {
    }

    public GridCell cell() {
        return new GridCell(arm, data, budget, seed);
    }

    public EvalPoint last() {
        return evaluations.get(evaluations.size() - 1);
    }

    /** First step at which test accuracy reached {@code target}, or -1. */
    public long stepsTo(final double target) {
        return evaluations.stream().filter(p -> p.testAccuracy() >= target).mapToLong(EvalPoint::step).findFirst()
                .orElse(-1);
    }

    /** Training seconds at which test accuracy reached {@code target}, or NaN. */
    public double secondsTo(final double target) {
        return evaluations.stream().filter(p -> p.testAccuracy() >= target).mapToDouble(EvalPoint::trainSeconds)
                .findFirst().orElse(Double.NaN);
    }
}
