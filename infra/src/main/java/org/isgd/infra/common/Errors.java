package org.isgd.infra.common;

/** What an error says to a user in one line. */
public final class Errors {
    private Errors() {
    }

    /** The innermost message worth showing, e.g. "Connection refused" rather than a wrapper's. */
    public static String describe(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause.getMessage() == null || cause instanceof java.util.concurrent.ExecutionException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
