package org.isgd.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.isgd.trainer.data.LabelledImages;

/**
 * Drives one training run: takes batches from a {@link BatchSource} until it is exhausted or
 * {@link TrainerOptions#maxBatches()} is reached, trains each, publishes its outcome, then
 * acknowledges it to the source (in that order, so an acknowledged batch is never lost), and
 * evaluates on the test set every {@link TrainerOptions#evalEvery()} steps and at the end.
 */
public final class TrainingLoop {
    private final TrainerOptions options;
    private final LabelledImages train;
    private final LabelledImages test;

    public TrainingLoop(final TrainerOptions options, final LabelledImages train, final LabelledImages test) {
        this.options = options;
        this.train = train;
        this.test = test;
    }

    /** Trains until the source is exhausted or the batch limit is reached; the caller closes source and sink. */
    public TrainingResult run(final BatchSource source, final PredictionSink sink, final TrainingListener listener) {
        try (ModelSession session = ModelSession.open(options, train)) {
            return run(session, source, sink, listener);
        }
    }

    TrainingResult run(final ModelSession session, final BatchSource source, final PredictionSink sink,
                       final TrainingListener listener) {
        final List<Evaluation> evaluations = new ArrayList<>();
        long step = 0;
        long images = 0;
        long evalNanos = 0;
        double windowLoss = 0;
        long windowSteps = 0;
        final long start = System.nanoTime();
        while (step < options.maxBatches()) {
            final Optional<TrainingBatch> next = source.next(options.batchTimeout());
            if (next.isEmpty()) {
                break;
            }
            final TrainingBatch batch = next.get();
            final BatchOutcome outcome = session.train(batch);
            step++;
            images += batch.size();
            sink.publish(batch, step, outcome);
            source.acknowledge(batch);
            listener.onBatch(step, batch, outcome.trainLoss());
            windowLoss += outcome.trainLoss();
            windowSteps++;
            if (step % options.evalEvery() == 0) {
                final long evalStart = System.nanoTime();
                evaluations.add(evaluate(session, step, windowLoss / windowSteps, listener));
                evalNanos += System.nanoTime() - evalStart;
                windowLoss = 0;
                windowSteps = 0;
            }
        }
        final double seconds = (System.nanoTime() - start - evalNanos) / 1e9;
        if (evaluations.isEmpty() || evaluations.get(evaluations.size() - 1).step() != step) {
            evaluations.add(evaluate(session, step, windowSteps == 0 ? Double.NaN : windowLoss / windowSteps, listener));
        }
        return new TrainingResult(step, images, seconds, seconds > 0 ? images / seconds : 0,
                evaluations.get(evaluations.size() - 1), List.copyOf(evaluations));
    }

    private Evaluation evaluate(final ModelSession session, final long step, final double trainLoss,
                                final TrainingListener listener) {
        final int[] predicted = session.predict(test, options.evalBatchSize());
        final Evaluation evaluation = Evaluation.of(step, test.labels(), predicted, test.numClasses(), trainLoss);
        listener.onEvaluation(evaluation);
        return evaluation;
    }
}
