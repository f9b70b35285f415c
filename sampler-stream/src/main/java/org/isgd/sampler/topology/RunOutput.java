package org.isgd.sampler.topology;

import org.isgd.schemas.DeadLetter;

/** What a run task sends on: a batch for a trainer, a dead letter, or a prediction batch to pass to its owner. */
sealed interface RunOutput {
    /** An IndexBatch, encoded (single-object encoding). */
    record Batch(byte[] batch) implements RunOutput {
    }

    record Letter(DeadLetter letter) implements RunOutput {
    }

    /**
     * A prediction batch or acknowledgement that arrived on a partition of its topic other than its
     * run's (a producer that does not partition like Java's default): sent again to the right one.
     */
    record Reroute(String topic, byte[] key, byte[] value) implements RunOutput {
    }
}
