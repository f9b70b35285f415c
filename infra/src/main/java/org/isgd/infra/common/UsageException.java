package org.isgd.infra.common;

/** An error the user can fix; the CLI prints its message in one line and exits non-zero. */
public final class UsageException extends RuntimeException {
    public UsageException(final String message) {
        super(message);
    }
}
