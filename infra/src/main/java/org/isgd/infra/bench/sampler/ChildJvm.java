package org.isgd.infra.bench.sampler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isgd.infra.common.UsageException;

/**
 * An {@code isgd} command in a JVM of its own (same Java, same class path as this process), its
 * output copied to a log file. Benchmarks start the broker and the samplers this way so that each
 * has its own heap, threads and RSS.
 */
final class ChildJvm implements AutoCloseable {
    static final String MAIN = "org.isgd.infra.cli.Isgd";
    private static final int TAIL_LINES = 25;

    private final String name;
    private final Process process;
    private final Path log;
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<String> lines = new ArrayList<>();

    private ChildJvm(final String name, final Process process, final Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code isgd args...} with the given JVM options; DJL stays offline as everywhere else. */
    static ChildJvm start(final String name, final List<String> jvmOptions, final List<String> args, final Path log) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-cp",
                System.getProperty("java.class.path"), MAIN));
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        try {
            Files.createDirectories(log.getParent());
            final ChildJvm child = new ChildJvm(name, builder.start(), log);
            final Thread copier = new Thread(child::copyOutput, name + "-output");
            copier.setDaemon(true);
            copier.start();
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " JVM: " + e.getMessage(), e);
        }
    }

    private void copyOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.println(line);
                synchronized (this) {
                    lines.add(line);
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the child is gone; what it said is in the log
        }
    }

    /** Waits for an output line matching {@code pattern} and returns its match; fails with the log's tail if the child dies. */
    synchronized Matcher awaitLine(final Pattern pattern, final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < lines.size(); seen++) {
                final Matcher m = pattern.matcher(lines.get(seen));
                if (m.find()) {
                    return m;
                }
            }
            requireAlive();
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new UsageException(name + " did not say /" + pattern + "/ within " + timeout.toSeconds() + " s; "
                        + "its log " + log + " ends with:\n" + tailText());
            }
            wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 500));
        }
    }

    /** Fails, with the end of the child's log, if it has exited. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new UsageException(name + " (pid " + process.pid() + ") exited with code " + process.exitValue()
                    + "; its log " + log + " ends with:\n" + tailText());
        }
    }

    synchronized String tailText() {
        return String.join("\n", tail);
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** VmRSS and VmHWM (peak RSS) of the child, from /proc/PID/status. */
    Rss rss() {
        requireAlive();
        return Rss.of(process.pid());
    }

    /** The output of {@code jcmd PID args...} (e.g. VM.native_memory summary), or why it is missing. */
    String jcmd(final String... args) {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd")
                .toString(), Long.toString(process.pid())));
        command.addAll(List.of(args));
        try {
            final Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "jcmd failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "jcmd interrupted";
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (the commands' shutdown hooks close cleanly), then SIGKILL after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Resident set size now and at its peak, in bytes. */
    record Rss(long vmRss, long vmHwm) {
        static Rss of(final long pid) {
            try {
                long rss = -1;
                long hwm = -1;
                for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kib(line);
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = kib(line);
                    }
                }
                return new Rss(rss, hwm);
            } catch (IOException e) {
                throw new UsageException("cannot read /proc/" + pid + "/status (Linux only): " + e.getMessage());
            }
        }

        private static long kib(final String line) {
            return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
    }
}
