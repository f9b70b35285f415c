package org.isgd.infra.bench.jmh;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH benchmarks of this package whose class or method name matches, and prints their scores. */
public final class JmhRunner {
    private JmhRunner() {
    }

    /** Runs the matching benchmarks (none: an empty result) and writes JMH's JSON to {@code json}. */
    public static Collection<RunResult> run(final String include, final int forks, final int iterations, final Path json)
            throws RunnerException {
        final Options options = new OptionsBuilder()
                .include("org\\.isgd\\.infra\\.bench\\.jmh\\..*(" + include + ").*")
                .forks(forks).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Xmx2g").resultFormat(ResultFormatType.JSON)
                .result(json.toString()).build();
        return new Runner(options).run();
    }

    /** One line per benchmark and parameter set: score ± error and unit. */
    public static void print(final Collection<RunResult> results, final PrintStream out) {
        out.printf("%n%-40s %-16s %14s %s%n", "benchmark", "params", "score", "unit");
        for (final RunResult result : results) {
            final Result<?> primary = result.getPrimaryResult();
            final String params = result.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + result.getParams().getParam(k)).collect(Collectors.joining(","));
            out.printf(Locale.ROOT, "%-40s %-16s %8.2f ± %.2f %s%n", result.getParams().getBenchmark()
                    .replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"), params, primary.getScore(), primary.getScoreError(),
                    primary.getScoreUnit());
        }
    }
}
