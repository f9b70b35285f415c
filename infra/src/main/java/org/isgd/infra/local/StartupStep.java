package org.isgd.infra.local;

import java.nio.file.Path;
import java.util.Locale;
import org.isgd.infra.broker.EmbeddedBroker;

/** One start-up step (broker, topics, sampler, data ...), reported on one line: its name, how long it took, what it gave. */
public final class StartupStep {
    private StartupStep() {
    }

    /** The work of a step. */
    public interface Action<T> {
        T run() throws Exception;
    }

    /** Runs one start-up step, printing its name, how long it took and what it gave. */
    public static <T> T run(final String name, final Action<T> step) throws Exception {
        final long t0 = System.nanoTime();
        System.out.printf("%-8s ... ", name);
        System.out.flush();
        final T value = step.run();
        System.out.printf(Locale.ROOT, "ok (%.1f s)%s%n", (System.nanoTime() - t0) / 1e9,
                value instanceof Path p ? " " + p : value instanceof EmbeddedBroker b ? " " + b.bootstrapServers() : "");
        return value;
    }
}
