package org.isgd.trainer.train;

/** Progress callbacks for the caller (progress bars, logs, benchmarks); called on the training thread. */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {
    };

    /** After {@code batch} was trained as step {@code step} and its outcome published. */
    default void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
    }

    /** After each test-set evaluation. */
    default void onEvaluation(final Evaluation evaluation) {
    }
}
