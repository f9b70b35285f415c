package org.isgd.trainer.train;

/** Where per-sample predictions and per-batch progress go: the Kafka topics, or nowhere locally. */
public interface PredictionSink extends AutoCloseable {
    /** A sink that discards everything: local runs have no sampler to feed. */
    PredictionSink NONE = new PredictionSink() {
        @Override
        public void publish(final TrainingBatch batch, final long step, final BatchOutcome outcome) {
        }

        @Override
        public void close() {
        }
    };

    /** Publishes the outcome of training {@code batch} as optimizer step {@code step}; may return before it is sent. */
    void publish(TrainingBatch batch, long step, BatchOutcome outcome);

    /**
     * Waits until everything published so far is durable (and, through a transactional sink,
     * acknowledged with its offsets): before a checkpoint, so that a trainer restarted from it
     * resumes exactly where the checkpoint is.
     */
    default void flush() {
    }

    @Override
    void close();
}
