package org.isgd.trainer.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of the Python client ({@code trainer/python}) with Debian's Python, which has
 * {@code python3-confluent-kafka}, {@code python3-avro}, {@code python3-numpy} and
 * {@code python3-torch}: {@code /usr/bin/python3}, or the interpreter {@code ISGD_PYTHON} names.
 */
public final class PythonProcess {
    public static final String ENV_VAR = "ISGD_PYTHON";

    /** How a run ended: its combined output, whether it finished within its time, its exit status. */
    public record Result(String output, boolean finished, int exitValue) {
        public boolean succeeded() {
            return finished && exitValue == 0;
        }
    }

    private PythonProcess() {
    }

    /** The interpreter to use. */
    public static String interpreter() {
        final String chosen = System.getenv(ENV_VAR);
        if (chosen != null && !chosen.isBlank()) {
            return chosen;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /**
     * Runs {@code python ARGS} with {@code environment} added, its output to {@code log}; kills it
     * after {@code timeout}.
     */
    public static Result run(final List<String> args, final Map<String, String> environment, final Path log,
                             final Duration timeout) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>();
        command.add(interpreter());
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        final Process process = builder.start();
        final boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return new Result(Files.readString(log, StandardCharsets.UTF_8), finished, finished ? process.exitValue() : -1);
    }
}
