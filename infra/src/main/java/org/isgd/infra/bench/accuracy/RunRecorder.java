package org.isgd.infra.bench.accuracy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.isgd.sampler.store.SampleState;
import org.isgd.trainer.train.Evaluation;
import org.isgd.trainer.train.TrainingBatch;
import org.isgd.trainer.train.TrainingListener;

/**
 * Listens to one training run of the grid and keeps what its {@link CellResult} needs: at each
 * evaluation the accuracies, the share of draws per class since the previous evaluation, the
 * training time so far (evaluations excluded), and, for a Kafka-fed run, importance histograms
 * from the sampler's state store. Forwards every callback to {@code downstream} (the progress bar).
 */
public final class RunRecorder implements TrainingListener {
    public static final int HISTOGRAM_BINS = 20;
    public static final int EXTREMES_PER_CLASS = 8;

    private final int[] labels;
    private final boolean[] flipped;
    private final long[] windowDraws;
    private final Supplier<Map<Long, SampleState>> sampler;
    private final TrainingListener downstream;
    private final List<CellResult.EvalPoint> points = new ArrayList<>();
    private final List<CellResult.ImportanceHistogram> histograms = new ArrayList<>();
    private final Map<String, Long> phases = new java.util.TreeMap<>();
    private final long started = System.nanoTime();
    private long windowFlipped;
    private long lastBatchNanos = started;
    private long evaluationNanos;

    /**
     * @param flipped per sample, whether its training label was flipped; null when none were
     * @param sampler the run's sample states in the sampler (sampleId → state); null for a local run
     */
    public RunRecorder(final int[] labels, final boolean[] flipped, final int classes,
                       final Supplier<Map<Long, SampleState>> sampler, final TrainingListener downstream) {
        this.labels = labels;
        this.flipped = flipped;
        this.windowDraws = new long[classes];
        this.sampler = sampler;
        this.downstream = downstream;
    }

    @Override
    public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
        for (final long id : batch.sampleIds()) {
            windowDraws[labels[(int) id]]++;
            if (flipped != null && flipped[(int) id]) {
                windowFlipped++;
            }
        }
        phases.merge(batch.phase(), 1L, Long::sum);
        lastBatchNanos = System.nanoTime();
        downstream.onBatch(step, batch, trainLoss);
    }

    @Override
    public void onEvaluation(final Evaluation evaluation) {
        final double trainSeconds = (lastBatchNanos - started - evaluationNanos) / 1e9;
        long total = 0;
        for (final long d : windowDraws) {
            total += d;
        }
        final double[] shares = new double[windowDraws.length];
        for (int c = 0; c < shares.length; c++) {
            shares[c] = total == 0 ? 0 : (double) windowDraws[c] / total;
        }
        points.add(new CellResult.EvalPoint(evaluation.step(), trainSeconds, evaluation.testAccuracy(),
                evaluation.balancedAccuracy(), evaluation.trainLoss(), evaluation.perClassAccuracy().clone(), shares,
                total == 0 ? 0 : (double) windowFlipped / total));
        java.util.Arrays.fill(windowDraws, 0);
        windowFlipped = 0;
        if (sampler != null) {
            final Collection<SampleState> states = sampler.get().values();
            histograms.add(histogram(evaluation.step(), CellResult.ImportanceHistogram.ONE_MINUS_P_CORRECT, 0, 1,
                    states.stream().mapToDouble(s -> 1 - s.pCorrect()).toArray()));
            histograms.add(histogram(evaluation.step(), CellResult.ImportanceHistogram.GRAD_NORM_BOUND, 0, Math.sqrt(2),
                    states.stream().mapToDouble(SampleState::gradNormBound).toArray()));
        }
        // the time from the last batch to here is evaluation (and the histograms), not training
        evaluationNanos += System.nanoTime() - lastBatchNanos;
        lastBatchNanos = System.nanoTime();
        downstream.onEvaluation(evaluation);
    }

    public List<CellResult.EvalPoint> points() {
        return List.copyOf(points);
    }

    /** Batches trained per phase (warmup, importance, anneal, uniform). */
    public Map<String, Long> phases() {
        return Map.copyOf(phases);
    }

    public List<CellResult.ImportanceHistogram> histograms() {
        return List.copyOf(histograms);
    }

    /** The run's {@value #EXTREMES_PER_CLASS} highest- and lowest-loss samples per training label, now. */
    public List<CellResult.ClassExtremes> extremes(final int classes) {
        return sampler == null ? List.of() : extremes(sampler.get(), classes, EXTREMES_PER_CLASS);
    }

    static List<CellResult.ClassExtremes> extremes(final Map<Long, SampleState> states, final int classes, final int k) {
        final List<CellResult.ClassExtremes> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            final int label = c;
            final List<Map.Entry<Long, SampleState>> members = states.entrySet().stream()
                    .filter(e -> e.getValue().label() == label)
                    .sorted(Comparator.comparingDouble((Map.Entry<Long, SampleState> e) -> e.getValue().loss()).reversed()
                            .thenComparing(Map.Entry::getKey))
                    .toList();
            final List<Map.Entry<Long, SampleState>> hardest = members.subList(0, Math.min(k, members.size()));
            final List<Map.Entry<Long, SampleState>> easiest = new ArrayList<>(
                    members.subList(Math.max(0, members.size() - k), members.size()));
            java.util.Collections.reverse(easiest);
            out.add(new CellResult.ClassExtremes(c, ids(hardest), losses(hardest), ids(easiest), losses(easiest)));
        }
        return out;
    }

    static CellResult.ImportanceHistogram histogram(final long step, final String quantity, final double min,
                                                    final double max, final double[] values) {
        final long[] counts = new long[HISTOGRAM_BINS];
        for (final double v : values) {
            final int bin = (int) Math.floor((v - min) / (max - min) * HISTOGRAM_BINS);
            counts[Math.max(0, Math.min(HISTOGRAM_BINS - 1, bin))]++;
        }
        return new CellResult.ImportanceHistogram(step, quantity, min, max, counts, values.length);
    }

    private static long[] ids(final List<Map.Entry<Long, SampleState>> entries) {
        return entries.stream().mapToLong(Map.Entry::getKey).toArray();
    }

    private static float[] losses(final List<Map.Entry<Long, SampleState>> entries) {
        final float[] losses = new float[entries.size()];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = entries.get(i).getValue().loss();
        }
        return losses;
    }
}
