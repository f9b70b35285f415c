package org.isgd.infra.topics;

/** Topic setup failed; the message is one line saying what is wrong and what to do. */
public class TopicSetupException extends RuntimeException {
    public TopicSetupException(String message) {
        super(message);
    }

    public TopicSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
