package org.isgd.infra.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for a log: a plain line such as {@code train 1200/1407 batches (85%), 23.5 batches/s, ETA 0:09 | loss
 * 0.412} when a step comes at least an interval after the previous line (the first an interval after the start), and
 * one at the end, on {@link #close()}. Thread-safe: steps may come from a producer's callback thread.
 */
public final class LogProgress implements Progress {
    private final String task;
    private final long max;
    private final String unit;
    private final boolean showSpeed;
    private final PrintStream out;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final long started;
    private long done;
    private long printedAt;
    private String extra = "";
    private boolean closed;

    /**
     * @param showSpeed whether the line shows units per second
     * @param nanoClock the time in nanoseconds, e.g. {@code System::nanoTime}
     * @param interval  the least time between two lines before the last
     */
    public LogProgress(final String task, final long max, final String unit, final boolean showSpeed,
                       final PrintStream out, final LongSupplier nanoClock, final Duration interval) {
        this.task = task;
        this.max = max;
        this.unit = unit;
        this.showSpeed = showSpeed;
        this.out = out;
        this.nanoClock = nanoClock;
        this.intervalNanos = interval.toNanos();
        this.started = nanoClock.getAsLong();
        this.printedAt = started;
    }

    static LogProgress toStdout(final String task, final long max, final String unit, final boolean showSpeed) {
        return new LogProgress(task, max, unit, showSpeed, System.out, System::nanoTime, LOG_INTERVAL);
    }

    @Override
    public synchronized void step() {
        stepTo(done + 1);
    }

    @Override
    public synchronized void stepTo(final long count) {
        done = count;
        final long now = nanoClock.getAsLong();
        if (!closed && (max <= 0 || done < max) && now - printedAt >= intervalNanos) { // the end's line comes at close
            printedAt = now;
            out.println(line(now, false));
        }
    }

    @Override
    public synchronized void setExtraMessage(final String message) {
        extra = message == null ? "" : message.strip();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            out.println(line(nanoClock.getAsLong(), true));
            out.flush();
        }
    }

    /** e.g. "train 1200/1407 batches (85%), 23.5 batches/s, ETA 0:09 | loss 0.412"; at the end "in 1:00" for the ETA. */
    String line(final long now, final boolean last) {
        final double seconds = (now - started) / 1e9;
        final StringBuilder line = new StringBuilder(task).append(' ').append(done);
        if (max > 0) {
            line.append('/').append(max);
        }
        line.append(' ').append(unit);
        if (max > 0) {
            line.append(" (").append(Math.min(100, Math.max(0, 100 * done / max))).append("%)");
        }
        if (showSpeed && seconds > 0) {
            final double speed = done / seconds;
            line.append(", ").append(String.format(Locale.ROOT, speed >= 100 ? "%,.0f" : "%.1f", speed)).append(' ')
                    .append(unit).append("/s");
        }
        if (last) {
            line.append(", in ").append(clock(seconds));
        } else if (max > 0 && done > 0 && done < max) {
            line.append(", ETA ").append(clock(seconds / done * (max - done)));
        }
        if (!extra.isEmpty()) {
            line.append(" | ").append(extra);
        }
        return line.toString();
    }

    /** "0:07", "12:30" or "1:02:03". */
    static String clock(final double seconds) {
        final long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
