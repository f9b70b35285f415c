package org.isgd.trainer.train;

/** No batch arrived in time; the message says which batch was awaited, where, and what to check. */
public final class BatchTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BatchTimeoutException(final String message) {
        super(message);
    }
}
