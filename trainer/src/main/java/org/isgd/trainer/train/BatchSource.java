package org.isgd.trainer.train;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/** Where a trainer's batches come from: an in-process sampler or the {@code isgd.batches} topic. */
public interface BatchSource extends AutoCloseable {
    /**
     * The next batch, in batchSeq order.
     *
     * @return empty when the source is exhausted (or stopped)
     * @throws BatchTimeoutException when no batch arrives within {@code timeout}
     */
    Optional<TrainingBatch> next(Duration timeout);

    /**
     * Called once {@code batch} has been trained and its outcome published, so a durable source
     * can record that it need not be delivered again.
     */
    default void acknowledge(final TrainingBatch batch) {
    }

    /**
     * How many of this rank's batches of the run precede the first one this source delivers, when
     * the source knows (a durable source resuming after a restart); the training loop continues
     * its step count from there. Empty: the source has no position, the loop starts from a
     * checkpoint's step or from 0.
     */
    default OptionalLong batchesBefore() {
        return OptionalLong.empty();
    }

    @Override
    void close();
}
