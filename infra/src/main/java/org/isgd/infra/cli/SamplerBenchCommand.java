package org.isgd.infra.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.isgd.infra.bench.sampler.SamplerBench;
import org.isgd.infra.bench.sampler.SamplerBenchResult;
import org.isgd.infra.bench.sampler.SamplerBenchSettings;
import org.isgd.infra.bench.sampler.SamplerBenchTable;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.RepoPaths;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.UpperBoundPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isgd bench sampler}: the sampler's throughput, latency and memory against a broker in its own process. */
@Command(name = "sampler", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"The sampler alone, against a real broker: prediction updates absorbed per second, weighted "
                + "indices emitted per second, prediction-to-sampling latency p50/p99 and RSS, at each size and "
                + "instance count, exactly-once on. The broker and every sampler instance run in JVMs of their own "
                + "(same class path as this one, 127.0.0.1 only); a trainer stand-in in this process acknowledges "
                + "or predicts.",
            "Per cell: register N synthetic samples (label = id mod 10) per run, then (a) --warmup + --duration of "
                + "a trainer answering every batch at once with a prediction batch of all its samples (updates/s), "
                + "(b) the same of a trainer acknowledging every batch at once with a bare TrainerProgress "
                + "(indices/s), (c) the same of a trainer predicting every sample of its batches at --latency-rate, "
                + "over which the latency histogram is read. Between (a) and (b), five samples that (a) visited 100 "
                + "times each have their history and a past state read through the query API, timed. Results: a JSON file, "
                + "a Markdown table, and per-cell logs, native-memory summaries and heap histograms.",
            "Results go to sampler-<time>.json, logs and memory reports to sampler-<time>/ under --out."})
final class SamplerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    BatchOptions batch;
    @Mixin
    OutputOptions output;

    @Option(names = "--sizes", split = ",", defaultValue = "60000,1000000,10000000",
            description = "Samples registered per run.")
    List<Integer> sizes;
    @Option(names = "--instances", split = ",", defaultValue = "1,2", description = "Sampler instances (processes).")
    List<Integer> instances;
    @Option(names = "--layout", defaultValue = "per-instance", description = "per-instance: one run per instance, each "
            + "on its own dataset, their ids hashing to different run tasks; shared: one run whatever the instance count, "
            + "for a sampler that spreads a run over instances (pass its flag with --sampler-arg).")
    String layout;
    @Option(names = "--policy", defaultValue = UpperBoundPolicy.NAME, description = "Policy of the runs.")
    String policy;
    @Option(names = "--lead", defaultValue = "4096", description = "Flow-control lead of the runs: large, so that "
            + "flow control does not limit indices/s (lower it to measure its effect).")
    int lead;
    @Option(names = "--warmup", defaultValue = "10", paramLabel = "SECONDS", description = "Warm-up of each phase.")
    long warmup;
    @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "Measuring window of each phase.")
    long duration;
    @Option(names = "--latency-rate", defaultValue = "5000", description = "Predictions per second per run in the "
            + "latency phase: a trainer's steady load (one DJL trainer on this machine trains ~4-5k images/s).")
    double latencyRate;
    @Option(names = "--sampler-jvm-opts", defaultValue = "-Xmx3g",
            description = "JVM options of each sampler process (space-separated; after -XX:G1HeapRegionSize=4m, which "
                    + "infra/isgd gives every JVM too, so one given here wins; -XX:+ExitOnOutOfMemoryError and, "
                    + "unless --no-nmt, -XX:NativeMemoryTracking=summary are added). The default heap leaves room to "
                    + "measure the 10M footprint; -Xmx1536m checks whether it fits 2 GiB (a sampler out of memory "
                    + "fails its cell, and the others go on).")
    String samplerJvmOptions;
    @Option(names = "--broker-jvm-opts", defaultValue = "-Xmx1g",
            description = "JVM options of the broker process (after -XX:G1HeapRegionSize=4m).")
    String brokerJvmOptions;
    @Option(names = "--sampler-arg", paramLabel = "ARG", description = "Extra argument of 'isgd sampler', repeatable "
            + "(e.g. --sampler-arg=--threads=2).")
    List<String> samplerArgs = new ArrayList<>();
    @Option(names = "--rocksdb-memory", defaultValue = "128", paramLabel = "MiB", description = "RocksDB block cache "
            + "and memtables of each sampler, all stores together (BoundedRocksDbConfig); 0 = Kafka Streams' "
            + "defaults (per store: 50 MB cache, 3 × 16 MB memtables).")
    long rocksDbMemoryMiB;
    @Option(names = "--no-nmt", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Track the samplers' native memory (-XX:NativeMemoryTracking=summary, a few %% overhead) and "
                    + "save jcmd VM.native_memory summaries.")
    boolean nativeMemoryTracking;
    @Option(names = "--profile", description = "Record each sampler with Java Flight Recorder (settings=profile) and "
            + "report, per phase, the share of CPU samples in RocksDB, the Kafka clients, Avro, the processor, the "
            + "policies and sum trees, and the hottest frames.")
    boolean profile;
    @Option(names = "--work-dir", defaultValue = "${sys:user.home}/.isgd/bench/sampler-work",
            description = "Broker logs and sampler state, per cell; deleted after each cell unless --keep-work (not under /tmp: "
            + "Kafka Streams warns that a temp directory may be cleaned under its state).")
    Path workDir;
    @Option(names = "--keep-work", description = "Keep the broker logs and sampler state.")
    boolean keepWork;
    @Option(names = "--repeat", defaultValue = "1", description = "Rounds of each cell in a row, each with fresh "
            + "processes; with 2 or more, every figure is also checked for steadiness (largest ÷ smallest round ≤ 1.2).")
    int repeat;
    @Option(names = "--restart", split = ",", paramLabel = "kill|wipe", description = "After the phases, SIGKILL "
            + "sampler 0 while a trainer acknowledges batches and start it again, its state directory kept (kill) or "
            + "deleted (wipe: it restores from the changelogs); reports the time from the kill to the first batch "
            + "created after it. Repeatable in order, e.g. --restart kill,wipe.")
    List<String> restarts = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!Policies.known(policy)) {
            throw new UsageException("unknown policy '" + policy + "'; choose from " + Policies.names());
        }
        final String stamp = Stamp.now();
        final SamplerBenchSettings settings;
        try {
            settings = new SamplerBenchSettings(sizes, instances, layout(), policy, batch.batchSize, lead,
                    Duration.ofSeconds(warmup), Duration.ofSeconds(duration), latencyRate,
                    words(samplerJvmOptions), words(brokerJvmOptions), samplerArgs, rocksDbMemoryMiB << 20,
                    nativeMemoryTracking, profile, workDir.resolve(stamp), output.out, keepWork, repeat, restarts);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        final SamplerBench bench = new SamplerBench(settings, stamp);
        final SamplerBenchResult result = bench.run(Machine.describe(),
                RepoPaths.here().command(spec.commandLine().getParseResult().originalArgs()));
        System.out.println();
        System.out.println(SamplerBenchTable.table(result));
        System.out.println(SamplerBenchTable.verdictTable(result));
        System.out.println("sampler JVM: " + String.join(" ", result.samplerJvmOptions()) + "; sampler args: "
                + String.join(" ", result.samplerArgs()));
        System.out.println("machine: " + result.machine());
        System.out.println("result: " + bench.jsonFile());
        return result.failures().isEmpty() ? 0 : Isgd.EXIT_ERROR;
    }

    private SamplerBenchSettings.Layout layout() {
        try {
            return SamplerBenchSettings.Layout.valueOf(layout.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--layout must be per-instance or shared, was '" + layout + "'");
        }
    }

    private static List<String> words(final String options) {
        return Arrays.stream(options.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }
}
