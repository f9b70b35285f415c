package org.isgd.infra.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isgd.infra.common.Json;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.soak.Soak;
import org.isgd.trainer.python.PythonProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd bench soak}: SIGKILLs against a running run on a three-node cluster, then a verifier. */
@Command(name = "soak", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"A soak: a three-node KRaft cluster, sampler instances and data-parallel trainer ranks, each a "
                + "process on this machine (127.0.0.1), one upper-bound run on Fashion-MNIST; at random times a random "
                + "sampler instance, trainer rank or broker node (the leader of the run's batches half of the time) is "
                + "SIGKILLed and started again. Then a verifier reads isgd.batches and the acknowledgements "
                + "read_committed: batches emitted, trained, lost, duplicated, out of order; predictions published; "
                + "the sampler's visits of sampled samples against a replay of the committed predictions; and "
                + "restart-to-first-batch p50/p99 per kind of kill. Exit 0 only when nothing was lost, duplicated or "
                + "reordered. Results go to soak-<time>.json under --out; logs under --work-dir."})
final class SoakBenchCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Option(names = "--kills", defaultValue = "100", description = "SIGKILLs, spread over the three kinds at random.")
    int kills;
    @Option(names = "--samplers", defaultValue = "2", description = "Sampler instances (one application id).")
    int samplers;
    @Option(names = "--ranks", defaultValue = "2", description = "Data-parallel trainer ranks.")
    int ranks;
    @Option(names = "--python-ranks", defaultValue = "0", description = "How many of the ranks (the last ones) run the "
            + "Python client (trainer/python/examples/train_fashion_mnist.py, /usr/bin/python3 or $ISGD_PYTHON) instead "
            + "of the Java trainer.")
    int pythonRanks;
    @Option(names = "--samples", defaultValue = "2000", description = "Fashion-MNIST samples registered.")
    int samples;
    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;
    @Option(names = "--lead", defaultValue = "4", description = "Flow-control lead of the run.")
    int lead;
    @Option(names = "--budget-batches", description = "The run's length; default: 200 batches per kill (at least "
            + "2,000). The run must outlast the kills: here they came every ~7 s while the two ranks trained ~15 "
            + "batches/s between them, ~40/s (lead-bound) after the last kill.")
    Long budgetBatches;
    @Option(names = "--min-gap", defaultValue = "1", description = "Fewest seconds between a restart and the next kill.")
    double minGap;
    @Option(names = "--max-gap", defaultValue = "3", description = "Most seconds between a restart and the next kill.")
    double maxGap;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the kill schedule and the run.")
    long seed;
    @Option(names = "--timeout-min", defaultValue = "120", description = "Stop (and fail) after this many minutes.")
    int timeoutMinutes;
    @Option(names = "--checked-samples", defaultValue = "300",
            description = "Samples whose visits in the sampler are compared with the committed predictions.")
    int checkedSamples;
    @Option(names = "--work-dir", description = "Where the cluster, sampler state and logs go; default: a new directory "
            + "under --out.")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (kills < 0 || samplers < 1 || ranks < 1 || samples < 100 || batchSize < 1 || lead < 1 || minGap < 0
                || maxGap < minGap || timeoutMinutes < 1 || pythonRanks < 0 || pythonRanks > ranks) {
            throw new UsageException("--kills >= 0, --samplers, --ranks, --batch-size, --lead, --timeout-min >= 1, "
                    + "--samples >= 100, 0 <= --min-gap <= --max-gap and 0 <= --python-ranks <= --ranks");
        }
        if (pythonRanks > 0) {
            checkPython();
        }
        final long budget = budgetBatches != null ? budgetBatches : Math.max(2000, 200L * kills);
        if (budget % ranks != 0) {
            throw new UsageException("--budget-batches (" + budget + ") must be a multiple of --ranks (" + ranks + ")");
        }
        final String stamp = Stamp.now();
        final Path work = (workDir != null ? workDir : output.out.resolve("soak-" + stamp)).toAbsolutePath();
        Files.createDirectories(work);
        final Soak.Settings settings = new Soak.Settings(kills, 3, samplers, ranks, samples, batchSize, lead, budget,
                Duration.ofMillis((long) (minGap * 1000)), Duration.ofMillis((long) (maxGap * 1000)), seed, work,
                Duration.ofMinutes(timeoutMinutes), checkedSamples, pythonRanks);
        System.out.println("soak: " + kills + " kills, " + samplers + " samplers, " + ranks + " ranks ("
                + pythonRanks + " Python), 3 brokers, run of "
                + budget + " batches; logs in " + work.resolve("logs"));
        final Soak.Report report = new Soak(settings, line -> {
            System.out.println(line);
            System.out.flush();
        }).run();
        Files.createDirectories(output.out);
        final Path json = output.out.resolve("soak-" + stamp + ".json");
        final var root = Json.MAPPER.createObjectNode();
        root.put("machine", Machine.describe());
        root.put("command", "isgd bench soak --kills " + kills + " --samplers " + samplers + " --ranks " + ranks
                + " --python-ranks " + pythonRanks + " --budget-batches " + budget + " --seed " + seed);
        // durations as ISO-8601 text ("PT2S"), paths as text
        final var mapper = Json.MAPPER.copy().registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
                .addSerializer(Duration.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance)
                .addSerializer(Path.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance));
        root.set("report", mapper.valueToTree(report));
        root.put("clean", report.clean());
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), root);
        System.out.println(SoakTable.of(report));
        System.out.println("result: " + json);
        return report.clean() ? 0 : Isgd.EXIT_ERROR;
    }

    /** Python ranks need the example and Debian's Python packages: say so before the cluster starts, not after. */
    private static void checkPython() throws Exception {
        Soak.pythonTrainer();
        final Path log = Files.createTempFile("isgd-python-check", ".log");
        try {
            final PythonProcess.Result check = PythonProcess.run(List.of("-c", "import confluent_kafka, avro, numpy, torch"),
                    Map.of(), log, Duration.ofSeconds(120));
            if (!check.succeeded()) {
                final String[] lines = check.output().strip().split("\n");
                throw new UsageException("--python-ranks needs python3-confluent-kafka, python3-avro, python3-numpy and "
                        + "python3-torch for " + PythonProcess.interpreter() + " (apt-get install -y ...): "
                        + lines[lines.length - 1]);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
