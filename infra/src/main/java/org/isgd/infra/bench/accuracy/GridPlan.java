package org.isgd.infra.bench.accuracy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.isgd.trainer.data.DataVariant;

/**
 * What a grid command trains: every cell of arms × data variants × budgets × seeds, and of them
 * those that have no result yet in the run directory (rerunning a command resumes it).
 *
 * @param data     each data variant's training set
 * @param total    cells in the grid, done or not
 * @param todo     cells without a result, in the order they train: per data variant, seed, budget, arm
 * @param finished the run directory's results so far
 */
public record GridPlan(GridSettings settings, List<GridArm> arms, Map<DataVariant, DataVariant.Variant> data,
                       List<Double> budgets, List<Long> seeds, int total, List<PlannedCell> todo,
                       List<CellResult> finished) {

    public static GridPlan of(final GridSettings settings, final List<GridArm> arms,
                              final Map<DataVariant, DataVariant.Variant> data, final List<Double> budgets,
                              final List<Long> seeds, final List<CellResult> finished) {
        final Set<String> done = finished.stream().map(r -> r.cell().key()).collect(Collectors.toSet());
        final List<PlannedCell> todo = new ArrayList<>();
        int total = 0;
        for (final DataVariant.Variant variant : data.values()) {
            for (final long seed : seeds) {
                for (final double budget : budgets) {
                    for (final GridArm arm : arms) {
                        total++;
                        final PlannedCell cell = new PlannedCell(arm, new GridCell(arm.name(), variant.variant().id(),
                                budget, seed), variant, fullBatches(settings, variant));
                        if (!done.contains(cell.cell().key())) {
                            todo.add(cell);
                        }
                    }
                }
            }
        }
        return new GridPlan(settings, List.copyOf(arms), data, List.copyOf(budgets), List.copyOf(seeds), total,
                List.copyOf(todo), List.copyOf(finished));
    }

    /** Batches of the full schedule (100% budget): the settings' epochs of the variant's training set. */
    static long fullBatches(final GridSettings settings, final DataVariant.Variant variant) {
        final long perEpoch = (variant.train().size() + settings.batchSize() - 1) / settings.batchSize();
        return settings.epochs() * perEpoch;
    }

    /** Batches the cells to train take in all. */
    public long batches() {
        return todo.stream().mapToLong(PlannedCell::batches).sum();
    }

    /** The cells to train on one data variant, in order. */
    List<PlannedCell> todo(final DataVariant variant) {
        return todo.stream().filter(c -> c.variant().variant() == variant).toList();
    }

    /** The grid, what is already done and the expected duration, for the console. */
    public void print(final PrintStream out, final Path dir) {
        out.printf("bench accuracy: %d arms × %d data × %d budgets × %d seeds = %d runs; full schedule %d "
                + "epochs, batch %d, model %s%n", arms.size(), data.size(), budgets.size(), seeds.size(), total,
                settings.epochs(), settings.batchSize(), settings.model());
        final DataVariant.Shape shape = settings.shape();
        out.printf(Locale.ROOT, "  data shape: long-tail %s, ratio %s; label noise %s, rate %s%s%n",
                DataVariant.Shape.id(shape.imbalanceProfile()), shape.imbalanceRatio(),
                DataVariant.Shape.id(shape.noiseKind()), shape.noiseRate(), settings.data() == null ? " (default)" : "");
        out.println("  arms: " + arms.stream().map(a -> a.name() + " [" + a.feed() + ", augment " + a.augment()
                + "]").collect(Collectors.joining(", ")));
        data.values().forEach(v -> out.printf(Locale.ROOT, "  %-11s %6d training samples (%s), %d flipped "
                + "labels; full schedule %d batches%n", v.variant().id(), v.train().size(), classCounts(v), v.flippedCount(),
                fullBatches(settings, v)));
        final DurationEstimate estimate = DurationEstimate.of(todo.stream().map(c -> c.images(settings.batchSize()))
                        .toList(),
                (int) todo.stream().filter(c -> c.arm().throughKafka()).map(c -> c.variant().variant()).distinct().count(),
                finished);
        out.printf(Locale.ROOT, "  %d of %d runs already done (skipped); %d to run, %d batches: expected "
                + "duration %s (%s)%n", total - todo.size(), total, todo.size(), batches(),
                DurationEstimate.format(estimate.seconds()), estimate.basis());
        out.println("  results: " + dir);
    }

    private static String classCounts(final DataVariant.Variant variant) {
        final int[] counts = new int[variant.train().numClasses()];
        for (final int label : variant.train().labels()) {
            counts[label]++;
        }
        return "per class " + Arrays.stream(counts).mapToObj(Integer::toString).collect(Collectors.joining("/"));
    }
}
