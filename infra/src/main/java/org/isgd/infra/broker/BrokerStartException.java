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
}
