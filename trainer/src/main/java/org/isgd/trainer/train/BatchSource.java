package org.isgd.trainer.train;

import java.time.Duration;
import java.util.Optional;

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

    @Override
    void close();
}
