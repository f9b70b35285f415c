package org.isgd.infra.progress;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar redrawn in place on a terminal. */
final class TerminalProgress implements Progress {
    private final ProgressBar bar;

    private TerminalProgress(final ProgressBar bar) {
        this.bar = bar;
    }

    static Progress bar(final String task, final long max, final String unit) {
        return new TerminalProgress(builder(task, max, unit).setUpdateIntervalMillis(250).showSpeed().continuousUpdate()
                .build());
    }

    static Progress stepped(final String task, final long max, final String unit) {
        return new TerminalProgress(builder(task, max, unit).setUpdateIntervalMillis(1000).showSpeed().build());
    }

    static Progress timer(final String task, final long seconds) {
        return new TerminalProgress(builder(task, seconds, "s").setUpdateIntervalMillis(250).continuousUpdate().build());
    }

    private static ProgressBarBuilder builder(final String task, final long max, final String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII);
    }

    @Override
    public void step() {
        bar.step();
    }

    @Override
    public void stepTo(final long done) {
        bar.stepTo(done);
    }

    @Override
    public void setExtraMessage(final String message) {
        bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        bar.close();
    }
}
