package org.isgd.infra.bench.accuracy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small synthetic grid results: no training. */
public final class GridFixtures {
    public static final String[] CLASSES = {"A", "B", "C"};

    private GridFixtures() {
    }

    /** A run whose test accuracy at evaluation k (steps 10, 20, ...) is {@code accuracies[k]}. */
    static CellResult run(final String arm, final String feed, final String data, final double budget, final long seed,
                          final double... accuracies) {
        final List<CellResult.EvalPoint> points = new ArrayList<>();
        final List<CellResult.ImportanceHistogram> histograms = new ArrayList<>();
        for (int k = 0; k < accuracies.length; k++) {
            final long step = 10L * (k + 1);
            points.add(new CellResult.EvalPoint(step, 2.0 * (k + 1), accuracies[k], accuracies[k] - 0.05, 0.5,
                    new double[] {0.9, 0.8, 0.7}, new double[] {0.5, 0.3, 0.2}, 0));
            if (GridArm.KAFKA.equals(feed)) {
                histograms.add(new CellResult.ImportanceHistogram(step, CellResult.ImportanceHistogram.ONE_MINUS_P_CORRECT,
                        0, 1, new long[] {50, 20, 5, 1, 0}, 76));
                histograms.add(new CellResult.ImportanceHistogram(step, CellResult.ImportanceHistogram.GRAD_NORM_BOUND,
                        0, Math.sqrt(2), new long[] {40, 30, 5, 1, 0}, 76));
            }
        }
        final List<CellResult.ClassExtremes> extremes = GridArm.KAFKA.equals(feed)
                ? List.of(new CellResult.ClassExtremes(0, new long[] {0, 3}, new float[] {2.5f, 1.5f}, new long[] {6},
                        new float[] {0.01f}), new CellResult.ClassExtremes(1, new long[] {1}, new float[] {3f},
                        new long[] {4}, new float[] {0.02f}))
                : List.of();
        final String policy = feed.equals(GridArm.KAFKA) ? arm : "uniform";
        return new CellResult(arm, policy, feed, "standard", data, budget, seed, "run-" + arm + seed, Map.of(), 100,
                10L * accuracies.length, 1280L * accuracies.length, 100, 2.0 * accuracies.length, 3.0 * accuracies.length,
                "2026-01-0" + (1 + seed) + "T10:00:00", points, Map.of("uniform", 10L * accuracies.length), histograms,
                extremes);
    }

    /** uniform and early-importance, 2 seeds, one data variant and budget, plus a local arm. */
    public static List<CellResult> grid() {
        return List.of(
                run("uniform", GridArm.KAFKA, "long-tail", 0.3, 0, 0.5, 0.7, 0.80),
                run("uniform", GridArm.KAFKA, "long-tail", 0.3, 1, 0.5, 0.7, 0.82),
                run("early-importance", GridArm.KAFKA, "long-tail", 0.3, 0, 0.6, 0.81, 0.85),
                run("early-importance", GridArm.KAFKA, "long-tail", 0.3, 1, 0.6, 0.79, 0.83),
                run(GridArm.UNIFORM_LOCAL, GridArm.LOCAL, "long-tail", 0.3, 0, 0.4, 0.6, 0.70));
    }
}
