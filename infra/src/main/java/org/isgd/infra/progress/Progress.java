package org.isgd.infra.progress;

import java.time.Duration;

/**
 * Progress of long work, one style for every command: on a terminal a bar redrawn in place
 * (me.tongfei.progressbar); otherwise, e.g. piped to a log file, one plain line every few seconds
 * and one at the end ({@link LogProgress}), instead of thousands of redraws.
 */
public interface Progress extends AutoCloseable {
    /** How often a log gets a line at most, apart from the last one. */
    Duration LOG_INTERVAL = Duration.ofSeconds(5);

    /** One more unit done. */
    void step();

    /** {@code done} units done in all. */
    void stepTo(long done);

    /** Text shown after the counts, e.g. the latest loss; replaces the previous one. */
    void setExtraMessage(String message);

    /** Done: a log gets its last line. */
    @Override
    void close();

    /** Counts {@code max} {@code unit}s, with their speed, redrawn four times a second on a terminal. */
    static Progress bar(final String task, final long max, final String unit) {
        return onTerminal() ? TerminalProgress.bar(task, max, unit) : LogProgress.toStdout(task, max, unit, true);
    }

    /** Counts {@code max} {@code unit}s, with their speed, redrawn on a terminal once a second at most and only on a step. */
    static Progress stepped(final String task, final long max, final String unit) {
        return onTerminal() ? TerminalProgress.stepped(task, max, unit) : LogProgress.toStdout(task, max, unit, true);
    }

    /** A fixed stretch of time, stepped once a second: elapsed seconds, no speed. */
    static Progress timer(final String task, final long seconds) {
        return onTerminal() ? TerminalProgress.timer(task, seconds) : LogProgress.toStdout(task, seconds, "s", false);
    }

    /** Whether the output is a terminal (the usual test: no console when stdin or stdout is redirected). */
    static boolean onTerminal() {
        return System.console() != null;
    }
}
