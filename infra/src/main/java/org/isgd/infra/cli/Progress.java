package org.isgd.infra.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars for long work, one style for every command. */
public final class Progress {
    private Progress() {
    }

    public static ProgressBar bar(final String task, final long max, final String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed()
                .continuousUpdate().build();
    }

    /** A bar for a fixed stretch of time, stepped once a second: elapsed seconds, no speed. */
    public static ProgressBar timer(final String task, final long seconds) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(seconds).setUnit(" s", 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build();
    }
}
