package org.isgd.sampler.topology;

import org.isgd.schemas.DeadLetter;

/** What a router or the sampler hands downstream: an event or batch to pass on, or a dead letter. */
record Routed<T>(T value, DeadLetter deadLetter) {
    static <T> Routed<T> of(final T value) {
        return new Routed<>(value, null);
    }

    static <T> Routed<T> rejected(final DeadLetter deadLetter) {
        return new Routed<>(null, deadLetter);
    }

    boolean isRejected() {
        return deadLetter != null;
    }
}
