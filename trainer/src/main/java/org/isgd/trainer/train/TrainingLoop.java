package org.isgd.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.isgd.contract.CandidateSelection;
import org.isgd.trainer.data.LabelledImages;

/**
 * Drives one training run: takes batches from a {@link BatchSource} until it is exhausted or
 * {@link TrainerOptions#maxBatches()} is reached, trains each, publishes its outcome, then
 * acknowledges it to the source (in that order, so an acknowledged batch is never lost), and
 * evaluates on the test set every {@link TrainerOptions#evalEvery()} steps and at the end.
 *
 * <p>With a {@link TrainerOptions#checkpointDir()} it starts from the checkpoint there, if any,
 * and saves one every {@link TrainerOptions#checkpointEvery()} steps and at the end. The step
 * count continues from the source's position when it has one ({@link BatchSource#batchesBefore()}),
 * else from the checkpoint's step, so {@code maxBatches} is the run's total either way.
 *
 * <p>A candidate batch (phase {@value CandidateSelection#PHASE}, a run with {@code presample} k)
 * is scored with a gradient-free forward pass, the run's {@link CandidateSelection} picks what to
 * train, and the published outcome holds every candidate's fresh figures with the trained rows
 * flagged; the listener sees the trained selection.
 */
public final class TrainingLoop {
    private final TrainerOptions options;
    private final LabelledImages train;
    private final LabelledImages test;
    private final CandidateSelection candidates;

    public TrainingLoop(final TrainerOptions options, final LabelledImages train, final LabelledImages test) {
        this(options, train, test, null);
    }

    /** @param candidates the run's candidate rule; null for a run without presample */
    public TrainingLoop(final TrainerOptions options, final LabelledImages train, final LabelledImages test,
                        final CandidateSelection candidates) {
        this.options = options;
        this.train = train;
        this.test = test;
        this.candidates = candidates;
    }

    /** Trains until the source is exhausted or the batch limit is reached; the caller closes source and sink. */
    public TrainingResult run(final BatchSource source, final PredictionSink sink, final TrainingListener listener) {
        final CheckpointDir checkpoints = options.checkpointDir() == null ? null : new CheckpointDir(options.checkpointDir());
        final Optional<CheckpointDir.Restored> restored = checkpoints == null ? Optional.empty()
                : checkpoints.restore(options, train);
        try (ModelSession session = restored.map(CheckpointDir.Restored::session)
                .orElseGet(() -> ModelSession.open(options, train))) {
            final long firstStep = source.batchesBefore()
                    .orElse(restored.map(r -> r.checkpoint().step()).orElse(0L));
            return run(session, source, sink, listener, firstStep, checkpoints);
        }
    }

    TrainingResult run(final ModelSession session, final BatchSource source, final PredictionSink sink,
                       final TrainingListener listener, final long firstStep, final CheckpointDir checkpoints) {
        final List<Evaluation> evaluations = new ArrayList<>();
        final boolean checkpointing = checkpoints != null && options.checkpointEvery() > 0;
        long step = firstStep;
        long lastBatchSeq = -1;
        long images = 0;
        long scored = 0;
        long scoringNanos = 0;
        long evalNanos = 0;
        double windowLoss = 0;
        long windowSteps = 0;
        final long start = System.nanoTime();
        long firstBatchAt = -1;
        final FeedClock feed = new FeedClock();
        while (step < options.maxBatches()) {
            feed.enter();
            final Optional<TrainingBatch> next = source.next(options.batchTimeout());
            if (next.isEmpty()) {
                break;
            }
            if (firstBatchAt < 0) {
                firstBatchAt = System.nanoTime();
            } else {
                feed.leave();
            }
            final TrainingBatch batch = next.get();
            final TrainingBatch trained;
            final BatchOutcome outcome;
            if (CandidateSelection.PHASE.equals(batch.phase())) {
                final long scoringStart = System.nanoTime();
                final BatchOutcome scores = session.score(batch);
                final CandidateSelection.Selection chosen = rule(batch).select(batch.sampleIds(), scores.loss(),
                        scores.gradNormBound());
                scoringNanos += System.nanoTime() - scoringStart;
                scored += batch.size();
                trained = batch.select(chosen.positions(), chosen.weights(), chosen.phase());
                outcome = scores.selected(session.train(trained).trainLoss(), chosen.trained());
            } else {
                trained = batch;
                outcome = session.train(batch);
            }
            step++;
            lastBatchSeq = batch.batchSeq();
            images += trained.size();
            feed.enter();
            sink.publish(batch, step, outcome);
            source.acknowledge(batch);
            feed.leave();
            listener.onBatch(step, trained, outcome.trainLoss());
            windowLoss += outcome.trainLoss();
            windowSteps++;
            if (step % options.evalEvery() == 0) {
                final long evalStart = System.nanoTime();
                evaluations.add(evaluate(session, step, windowLoss / windowSteps, listener));
                evalNanos += System.nanoTime() - evalStart;
                windowLoss = 0;
                windowSteps = 0;
            }
            if (checkpointing && step % options.checkpointEvery() == 0) {
                sink.flush();
                checkpoints.save(session, new Checkpoint(step, lastBatchSeq, options.model()));
            }
        }
        sink.flush();
        if (checkpointing && lastBatchSeq >= 0 && step % options.checkpointEvery() != 0) {
            checkpoints.save(session, new Checkpoint(step, lastBatchSeq, options.model()));
        }
        final long trainingFrom = firstBatchAt < 0 ? System.nanoTime() : firstBatchAt;
        final double seconds = (System.nanoTime() - trainingFrom - evalNanos) / 1e9;
        if (evaluations.isEmpty() || evaluations.get(evaluations.size() - 1).step() != step) {
            // a resumed trainer that finds its budget already trained still reports its accuracy
            evaluations.add(evaluate(session, step, windowSteps == 0 ? Double.NaN : windowLoss / windowSteps, listener));
        }
        return new TrainingResult(step - firstStep, images, seconds, seconds > 0 ? images / seconds : 0,
                evaluations.get(evaluations.size() - 1), List.copyOf(evaluations), (trainingFrom - start) / 1e9,
                feed.wallNanos / 1e9, feed.cpuNanos / 1e9, scored, scoringNanos / 1e9);
    }

    private CandidateSelection rule(final TrainingBatch batch) {
        if (candidates == null) {
            throw new IllegalStateException("batch " + batch.batchSeq() + " of run " + batch.runId() + " carries "
                    + batch.size() + " candidates (phase " + CandidateSelection.PHASE + ": its RunSpec sets presample) "
                    + "but this trainer was not given the run's candidate rule; start it from the run's RunSpec");
        }
        return candidates;
    }

    /**
     * Time the training thread spends in the batch source and the prediction sink, not in training:
     * waiting for a batch (after the first) included in the wall time, only its own work in the CPU time.
     */
    private static final class FeedClock {
        private static final java.lang.management.ThreadMXBean THREADS =
                java.lang.management.ManagementFactory.getThreadMXBean();
        private long wallNanos;
        private long cpuNanos;
        private long wallAt;
        private long cpuAt;

        void enter() {
            wallAt = System.nanoTime();
            cpuAt = THREADS.getCurrentThreadCpuTime();
        }

        void leave() {
            wallNanos += System.nanoTime() - wallAt;
            cpuNanos += THREADS.getCurrentThreadCpuTime() - cpuAt;
        }
    }

    private Evaluation evaluate(final ModelSession session, final long step, final double trainLoss,
                                final TrainingListener listener) {
        final int[] predicted = session.predict(test, options.evalBatchSize());
        final Evaluation evaluation = Evaluation.of(step, test.labels(), predicted, test.numClasses(), trainLoss);
        listener.onEvaluation(evaluation);
        return evaluation;
    }
}
