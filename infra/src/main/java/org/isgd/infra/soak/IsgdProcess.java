package org.isgd.infra.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isgd.trainer.python.PythonProcess;

/**
 * One {@code isgd} command in a child JVM on this JVM's class path, offline (or a Python trainer), its output
 * (stdout and stderr) in a log file (crash tests and the soak). {@link #kill()} is SIGKILL on Linux
 * ({@link Process#destroyForcibly()}), {@link #stop} SIGTERM ({@link Process#destroy()}).
 */
public final class IsgdProcess {
    private static final Duration POLL = Duration.ofMillis(50);

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedNanos;
    private final boolean jvm;

    private IsgdProcess(final String name, final Process process, final Path log, final long startedNanos,
                        final boolean jvm) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        this.jvm = jvm;
    }

    /** Starts {@code isgd args...} with heap {@code xmx} (e.g. "512m"), logging to {@code log}. */
    public static IsgdProcess start(final String name, final String xmx, final Path log, final List<String> args) {
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), "org.isgd.infra.cli.Isgd"));
        command.addAll(args);
        return startCommand(name, log, command, Map.of("DJL_OFFLINE", "true", "OPT_OUT_TRACKING", "true"), true);
    }

    /** Starts {@code python args...} (the interpreter {@link PythonProcess#interpreter()} picks), logging to {@code log}. */
    public static IsgdProcess startPython(final String name, final Path log, final List<String> args,
                                          final Map<String, String> environment) {
        final List<String> command = new ArrayList<>(List.of(PythonProcess.interpreter(), "-u"));
        command.addAll(args);
        return startCommand(name, log, command, environment, false);
    }

    private static IsgdProcess startCommand(final String name, final Path log, final List<String> command,
                                            final Map<String, String> environment, final boolean jvm) {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(log.getParent());
            final long started = System.nanoTime();
            return new IsgdProcess(name, builder.start(), log, started, jvm);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** Waits until a line of the output matches {@code regex}; returns the match. Fails if the process exits first. */
    public Matcher awaitLine(final String regex, final Duration timeout) {
        final Pattern pattern = Pattern.compile(regex);
        final Matcher[] found = new Matcher[1];
        await(() -> {
            found[0] = firstMatch(pattern).orElse(null);
            if (found[0] == null && !process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before printing '" + regex
                        + "'; its log " + log + " ends:\n" + tail());
            }
            return found[0] != null;
        }, timeout, "'" + regex + "' in the output of " + name);
        return found[0];
    }

    /** The first output line matching {@code pattern}, if any yet. */
    public Optional<Matcher> firstMatch(final Pattern pattern) {
        for (final String line : lines()) {
            final Matcher m = pattern.matcher(line);
            if (m.find()) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** SIGKILL: no shutdown hook, no flush, no clean close. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /**
     * SIGTERM, then waits for the process to end after its shutdown hooks; fails unless it exits
     * with 0 or 143 (128 + SIGTERM: what a JVM ended by SIGTERM returns once its hooks have run).
     */
    public void stop(final Duration timeout) {
        process.destroy();
        final int code = awaitExit(timeout);
        if (code != 0 && code != 143) {
            throw new IllegalStateException(name + " exited with " + code + " on SIGTERM; its log " + log + " ends:\n" + tail());
        }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(final Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still running after " + timeout + "; its log " + log + " ends:\n" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + name, e);
        }
        return process.exitValue();
    }

    /**
     * Asks a running JVM for a thread dump (SIGQUIT), which it prints into its own log; for evidence when something
     * hangs. Does nothing for a Python process or one that has ended, and nothing where there is no {@code kill}.
     */
    public void dumpThreads() {
        if (!jvm || !process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill command (not Linux/macOS): no dump
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the process if it still runs (test clean-up). */
    public void destroy() {
        if (process.isAlive()) {
            kill();
        }
    }

    public long startedNanos() {
        return startedNanos;
    }

    public Path log() {
        return log;
    }

    public String tail() {
        final List<String> lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private List<String> lines() {
        try {
            // the progress bar redraws with carriage returns: treat them as line ends too
            return List.of(Files.readString(log, StandardCharsets.UTF_8).split("[\r\n]+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    public static void await(final BooleanSupplier condition, final Duration timeout, final String what) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
