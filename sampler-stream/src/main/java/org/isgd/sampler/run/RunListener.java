package org.isgd.sampler.run;

/** What a {@link RunTable} reports as it works: the sampler's metrics listen. */
public interface RunListener {
    /** {@code rows} predictions were applied, made {@code latencyMs} before (the trainer's timestamp to now). */
    void predictionsApplied(int rows, long latencyMs);

    /** A redelivered or out-of-date prediction or acknowledgement was ignored. */
    void duplicateIgnored();

    /** A batch of {@code indices} samples went out. */
    void batchEmitted(int indices);

    /** A record was refused with this reason ("kind: text"). */
    void deadLetter(String reason);

    /** A listener that ignores everything. */
    RunListener NONE = new RunListener() {
        @Override
        public void predictionsApplied(final int rows, final long latencyMs) {
        }

        @Override
        public void duplicateIgnored() {
        }

        @Override
        public void batchEmitted(final int indices) {
        }

        @Override
        public void deadLetter(final String reason) {
        }
    };
}
