package org.isgd.infra.local;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.isgd.contract.CandidateSelection;
import org.isgd.infra.progress.Progress;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.Evaluation;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingBatch;
import org.isgd.trainer.train.TrainingListener;
import org.isgd.trainer.train.TrainingLoop;
import org.isgd.trainer.train.TrainingResult;

/** Runs the training loop behind a progress bar and prints what came of it; shared by train and demo. */
public final class TrainingRun {
    public static final String[] FASHION_MNIST_CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private TrainingRun() {
    }

    /** What training returned, and what it was fed. */
    public record Outcome(TrainingResult result, DrawTally draws, List<Double> evaluationSeconds) {
    }

    public static Outcome run(final TrainerOptions options, final FashionMnist.Split data, final BatchSource source,
                       final PredictionSink sink, final long batches) {
        return run(options, data, source, sink, batches, null);
    }

    /** @param candidates the run's candidate rule (runs with presample), else null */
    public static Outcome run(final TrainerOptions options, final FashionMnist.Split data, final BatchSource source,
                              final PredictionSink sink, final long batches, final CandidateSelection candidates) {
        final DrawTally tally = new DrawTally(data.train().labels(), data.train().numClasses());
        final List<Double> evaluationSeconds = new ArrayList<>();
        final long started = System.nanoTime();
        try (Progress bar = Progress.bar("train", batches, "batches")) {
            final TrainingListener listener = new TrainingListener() {
                private String accuracy = "";

                @Override
                public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                    tally.add(batch);
                    bar.stepTo(step);
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f%s [%s]", trainLoss, accuracy, batch.phase()));
                }

                @Override
                public void onEvaluation(final Evaluation evaluation) {
                    evaluationSeconds.add((System.nanoTime() - started) / 1e9);
                    accuracy = String.format(Locale.ROOT, " test acc %.4f", evaluation.testAccuracy());
                }
            };
            return new Outcome(new TrainingLoop(options, data.train(), data.test(), candidates).run(source, sink, listener),
                    tally,
                    evaluationSeconds);
        }
    }

    public static void printResult(final PrintStream out, final Outcome outcome) {
        final TrainingResult result = outcome.result();
        final Evaluation last = result.finalEvaluation();
        out.printf(Locale.ROOT, "trained %d batches (%d images) in %.1f s, %.0f images/s (first batch after %.1f s)%n",
                result.steps(), result.images(), result.seconds(), result.imagesPerSecond(), result.firstBatchSeconds());
        if (result.scoredImages() > 0) {
            out.printf(Locale.ROOT, "scored %d candidates with forward passes (presample) in %.1f s of those%n",
                    result.scoredImages(), result.scoringSeconds());
        }
        out.printf(Locale.ROOT, "test accuracy %.4f, balanced accuracy %.4f%n", last.testAccuracy(), last.balancedAccuracy());
        out.println("per-class accuracy: " + java.util.stream.IntStream.range(0, last.perClassAccuracy().length)
                .mapToObj(c -> String.format(Locale.ROOT, "%s %.2f", c < FASHION_MNIST_CLASSES.length
                        ? FASHION_MNIST_CLASSES[c] : "class " + c, last.perClassAccuracy()[c]))
                .collect(Collectors.joining(", ")));
        out.println("phases trained: " + outcome.draws().describePhases());
        out.println("share of draws per class: " + outcome.draws().describeShares(FASHION_MNIST_CLASSES));
        out.println("accuracy by step: " + result.evaluations().stream()
                .map(e -> String.format(Locale.ROOT, "%d:%.3f", e.step(), e.testAccuracy()))
                .collect(Collectors.joining(" ")));
    }
}
