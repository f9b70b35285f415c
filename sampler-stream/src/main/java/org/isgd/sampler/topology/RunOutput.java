package org.isgd.sampler.topology;

import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;

/** What a run task sends on: a batch for a trainer, a dead letter, or a prediction batch to pass to its owner. */
sealed interface RunOutput {
    record Batch(IndexBatch batch) implements RunOutput {
    }

    record Letter(DeadLetter letter) implements RunOutput {
    }

    /**
     * A prediction batch that arrived on a partition of isgd.prediction-batches other than its
     * run's (a producer that does not partition like Java's default): sent again to the right one.
     */
    record Reroute(byte[] key, byte[] value, int partition) implements RunOutput {
    }
}
