package org.isgd.infra.broker;

/**
 * The embedded broker could not start. The message is one line saying what went wrong and
 * what to do about it, fit to print as is on the command line.
 */
public class BrokerStartException extends RuntimeException {
    public BrokerStartException(String message) {
        super(message);
    }

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The root cause's message, after the top message when it adds something, in one line. */
    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        if (root != e && e.getMessage() != null && !e.getMessage().contains(m)) {
            m = e.getMessage() + ": " + m;
        }
        return m.replaceAll("\\s+", " ").trim();
    }
}
