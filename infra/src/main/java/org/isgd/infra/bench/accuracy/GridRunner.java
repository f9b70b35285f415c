package org.isgd.infra.bench.accuracy;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.common.Machine;
import org.isgd.infra.local.LocalStack;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.progress.Progress;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.train.Evaluation;
import org.isgd.trainer.train.TrainingBatch;
import org.isgd.trainer.train.TrainingListener;

/**
 * Trains a grid plan's cells in order, behind one progress bar: per data variant, a local stack
 * (broker, topics, sampler, the variant's samples registered) once its first Kafka-fed cell comes,
 * stopped and deleted after the variant. Each finished cell is appended to results.jsonl and the
 * derived files (evaluations, summary.md, plots) are rewritten, so an interrupted grid loses at
 * most the cell in hand.
 */
public final class GridRunner {
    private final Path dir;
    private final GridPlan plan;
    private final CellTrainer trainer;
    private final String[] classes;
    private final ResultsLog log;

    /** @param classes the class names of the plots */
    public GridRunner(final Path dir, final GridPlan plan, final CellTrainer trainer, final String[] classes) {
        this.dir = dir;
        this.plan = plan;
        this.trainer = trainer;
        this.classes = classes;
        this.log = ResultsLog.in(dir);
    }

    /** Trains every cell of the plan still to train; returns the summary tables (markdown) of all results. */
    public String run() throws Exception {
        final List<PlannedCell> todo = plan.todo();
        int index = 0;
        long base = 0;
        // redrawn on each batch only (no continuous update), so the stack start-up lines between variants stay readable
        try (Progress bar = Progress.stepped("grid", plan.batches(), "batches")) {
            for (final DataVariant variant : plan.data().keySet()) {
                LocalStack stack = null;
                try {
                    for (final PlannedCell cell : plan.todo(variant)) {
                        if (cell.arm().throughKafka() && stack == null) {
                            stack = startStack(cell.variant());
                        }
                        index++;
                        final String title = String.format(Locale.ROOT, " %d/%d %s %s %s s%d", index, todo.size(),
                                cell.arm().name(), variant.id(), GridCell.percent(cell.cell().budget()),
                                cell.cell().seed());
                        final CellResult result = trainer.train(cell, stack, progress(bar, base, title));
                        log.append(result);
                        base += cell.batches();
                        drawExtremes(cell, result);
                        GridOutputs.write(dir, log.read(), classes, Machine.describe());
                    }
                } finally {
                    if (stack != null) {
                        stack.close();
                        Dirs.deleteTree(workDir(variant)); // broker log and sampler state
                    }
                }
            }
        }
        return GridOutputs.write(dir, log.read(), classes, Machine.describe());
    }

    private Path workDir(final DataVariant variant) {
        return dir.resolve("work").resolve(variant.id());
    }

    private LocalStack startStack(final DataVariant.Variant variant) throws Exception {
        System.out.printf("%n--- %s: broker, topics, sampler, %d samples registered ---%n", variant.variant().id(),
                variant.train().size());
        final LocalStack stack = LocalStack.start(workDir(variant.variant()));
        try {
            SampleRegistration.register(stack.client(), CellTrainer.dataset(variant.variant()), variant.train().labels());
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /** The grid bar, stepped to the batches of the cells before this one plus this one's, titled with the cell. */
    private static TrainingListener progress(final Progress bar, final long base, final String title) {
        return new TrainingListener() {
            private String accuracy = "";

            @Override
            public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                bar.stepTo(base + step);
                bar.setExtraMessage(title + accuracy + " [" + batch.phase() + "]");
            }

            @Override
            public void onEvaluation(final Evaluation evaluation) {
                accuracy = String.format(Locale.ROOT, " acc %.4f", evaluation.testAccuracy());
            }
        };
    }

    /** The hardest/easiest image grid of a Kafka-fed run at the grid's largest budget and first seed. */
    private void drawExtremes(final PlannedCell cell, final CellResult result) {
        if (result.extremes().isEmpty() || cell.cell().budget() != Collections.max(plan.budgets())
                || cell.cell().seed() != Collections.min(plan.seeds())) {
            return;
        }
        final String name = String.format(Locale.ROOT, "extremes-%s-%s-b%d-s%d.png", result.data(),
                GridPlots.slug(result.arm()), Math.round(100 * result.budget()), result.seed());
        ImageGrid.write(dir.resolve(GridPlots.DIR).resolve(name), String.format(Locale.ROOT,
                "%s on %s, budget %s, seed %d: hardest and easiest training images per class (latest loss)%s",
                result.arm(), result.data(), GridCell.percent(result.budget()), result.seed(),
                cell.variant().flippedCount() > 0 ? "; red = flipped label" : ""), cell.variant(), result.extremes(),
                classes);
    }
}
