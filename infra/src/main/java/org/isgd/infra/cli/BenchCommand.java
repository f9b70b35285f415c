package org.isgd.infra.cli;

import picocli.CommandLine.Command;

/** {@code isgd bench …}: measurements, written as JSON plus a human-readable table. */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Benchmarks: results as JSON and a table.",
        subcommands = {AccuracyBenchCommand.class, FeedBenchCommand.class, JmhBenchCommand.class, SamplerBenchCommand.class,
            SoakBenchCommand.class})
final class BenchCommand {
}
