package org.isgd.infra.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.Callable;
import org.isgd.infra.bench.jmh.JmhRunner;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.openjdk.jmh.results.RunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd bench jmh}: JMH micro-benchmarks, run by {@link JmhRunner}. */
@Command(name = "jmh", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "JMH micro-benchmarks of data structures and encodings: the sum tree (one mass update, one "
                + "proportional draw, at 1M and 10M samples) and a PredictionBatch's columns packed or as Avro "
                + "arrays (encode and decode, 128 and 1,024 rows). Results go to jmh-<time>.json under --out.")
final class JmhBenchCommand implements Callable<Integer> {
    @Option(names = "--include", defaultValue = ".*", paramLabel = "REGEX",
            description = "Benchmarks whose class or method name matches, e.g. SumTree or ColumnEncoding.")
    String include;
    @Option(names = "--forks", defaultValue = "1", description = "JMH forks.")
    int forks;
    @Option(names = "--iterations", defaultValue = "5", description = "Measurement iterations of 1 s.")
    int iterations;
    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        final Path json = Files.createDirectories(output.out).resolve("jmh-" + Stamp.now() + ".json");
        final Collection<RunResult> results = JmhRunner.run(include, forks, iterations, json);
        if (results.isEmpty()) {
            throw new UsageException("no benchmark matches --include " + include
                    + " (there are SumTreeBenchmark and ColumnEncodingBenchmark)");
        }
        JmhRunner.print(results, System.out);
        System.out.println("machine: " + Machine.describe());
        System.out.println("result: " + json);
        return 0;
    }
}
