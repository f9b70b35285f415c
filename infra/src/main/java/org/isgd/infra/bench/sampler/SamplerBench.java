package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.isgd.contract.Topics;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.common.Json;
import org.isgd.infra.common.RepoPaths;
import org.isgd.infra.common.UsageException;

/**
 * {@code isgd bench sampler}, one cell (a size and an instance count) at a time: a broker and the
 * sampler instances in processes of their own ({@link SamplerCluster}), N synthetic samples
 * registered per run ({@link SamplerLoad}), then three phases measured from the samplers' own
 * counters ({@link SamplerPhases}) — prediction updates absorbed per second (a trainer that
 * answers every batch at once with a prediction batch), weighted indices emitted per second (a
 * trainer that acknowledges every batch at once), prediction-to-sampling latency under a
 * trainer's steady load — and the RSS of every sampler after loading and at the end. The result
 * is rewritten after every cell, so a failed cell keeps the others'; the paths it records are
 * relative to the repository when under it ({@link RepoPaths}).
 */
public final class SamplerBench {
    private final SamplerBenchSettings settings;
    private final String stamp;
    private final Path diagnostics;
    private final List<SamplerBenchResult.Failure> failures = new ArrayList<>();

    public SamplerBench(final SamplerBenchSettings settings, final String stamp) {
        this.settings = settings;
        this.stamp = stamp;
        this.diagnostics = settings.out().resolve("sampler-" + stamp);
    }

    /** Every cell in turn; returns the result, already written to {@link #jsonFile()}. */
    public SamplerBenchResult run(final String machine, final String command) throws Exception {
        final List<SamplerBenchResult.Cell> cells = new ArrayList<>();
        for (final int size : settings.sizes()) {
            for (final int instances : settings.instances()) {
                for (int round = 1; round <= settings.repeat(); round++) {
                    System.out.printf(Locale.ROOT, "%n== %,d samples, %d sampler instance%s (%s)%s ==%n", size,
                            instances, instances == 1 ? "" : "s", settings.describe().get("layout"),
                            settings.repeat() == 1 ? "" : ", round " + round + " of " + settings.repeat());
                    try {
                        cells.add(cell(size, instances, round));
                    } catch (UsageException | IOException | IllegalStateException e) {
                        // e.g. a sampler out of memory at 10M: say so, keep the other cells' results
                        System.out.printf("cell %,d × %d failed: %s%n", size, instances, e.getMessage());
                        failures.add(new SamplerBenchResult.Failure(size, instances,
                                RepoPaths.here().text(e.getMessage())));
                    }
                    write(result(machine, command, cells)); // a partial result survives a later cell's failure
                }
            }
        }
        final SamplerBenchResult result = result(machine, command, cells);
        write(result);
        return result;
    }

    public Path jsonFile() {
        return settings.out().resolve("sampler-" + stamp + ".json");
    }

    private SamplerBenchResult result(final String machine, final String command, final List<SamplerBenchResult.Cell> cells) {
        return new SamplerBenchResult(command, machine, stamp, settings.describe(), settings.samplerJvm(),
                settings.samplerCommandArgs(), SamplerBenchResult.Targets.BATCHED, List.copyOf(cells),
                SamplerBenchTable.verdicts(cells, SamplerBenchResult.Targets.BATCHED), List.copyOf(failures));
    }

    private void write(final SamplerBenchResult result) throws IOException {
        Files.createDirectories(settings.out());
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(jsonFile().toFile(), result);
    }

    /** One cell: its processes started, loaded, measured and stopped; its work directory deleted unless kept. */
    private SamplerBenchResult.Cell cell(final int size, final int instanceCount, final int round) throws Exception {
        final String name = "n" + size + "-i" + instanceCount + (settings.repeat() == 1 ? "" : "-round" + round);
        final Path work = settings.workDir().resolve(name);
        final Path diag = Files.createDirectories(diagnostics.resolve(name));
        final List<JfrProfile.Window> windows = new ArrayList<>();
        SamplerCluster cluster = null;
        final SamplerBenchResult.Cell cell;
        try {
            cluster = SamplerCluster.start(settings, stamp, instanceCount, work, diag);
            try (SamplerWatch watch = new SamplerWatch(cluster.apis())) {
                cell = measure(cluster, watch, size, instanceCount, round, windows);
            } finally {
                cluster.close(); // a recording sampler writes its flight recording on the way out
            }
        } finally {
            if (!settings.keepWork()) {
                Dirs.deleteTree(work);
            }
        }
        return settings.profile() ? cell.withProfile(cluster.profiles(windows)) : cell;
    }

    private SamplerBenchResult.Cell measure(final SamplerCluster cluster, final SamplerWatch watch, final int size,
                                            final int instanceCount, final int round,
                                            final List<JfrProfile.Window> windows) throws Exception {
        final int partitions = cluster.topics().partitions().getOrDefault(Topics.PREDICTION_BATCHES.name(), 6);
        final List<String> runIds = spread("bench-" + stamp + "-n" + size + "-i" + instanceCount + "-" + round + "-r",
                settings.runs(instanceCount), partitions);
        final SamplerLoad.Loaded load = new SamplerLoad(settings, cluster, watch).load(runIds, size, windows);
        final List<ChildJvm.Rss> afterLoad = cluster.rss("after-load");
        final SamplerPhases phases = new SamplerPhases(settings, cluster, watch, windows);
        final SamplerBenchResult.Rate updates;
        final SamplerBenchResult.Rate indices;
        final SamplerBenchResult.Latency latency;
        final SamplerBenchResult.HistoryQueries history;
        final HistoryProbes probes = new HistoryProbes(runIds.get(0));
        final List<SamplerBenchResult.Restart> restarts = new ArrayList<>();
        final List<ChildJvm.Rss> atEnd;
        final List<Long> pids; // before any restart: the processes the figures are of
        try (FakeTrainer trainer = new FakeTrainer(cluster.client(), Set.copyOf(load.runs().keySet()), probes)) {
            updates = phases.updates(trainer);
            history = phases.history(probes);
            indices = phases.indices(trainer);
            latency = phases.latency(trainer, settings.latencyRate() * load.runs().size());
            atEnd = cluster.rss("at-end");
            pids = cluster.samplers().stream().map(ChildJvm::pid).toList();
            for (final String restart : settings.restarts()) {
                restarts.add(phases.restart(trainer, restart.equals(SamplerBenchSettings.RESTART_WIPED)));
            }
        }
        final List<ChildJvm> samplers = cluster.samplers();
        final List<SamplerBenchResult.Instance> instances = new ArrayList<>();
        for (int i = 0; i < samplers.size(); i++) {
            instances.add(new SamplerBenchResult.Instance(i, pids.get(i), cluster.apis().get(i).toString(),
                    SamplerBenchResult.Memory.of(afterLoad.get(i)), SamplerBenchResult.Memory.of(atEnd.get(i)),
                    RepoPaths.here().relative(samplers.get(i).log())));
        }
        final SamplerBenchResult.Cell cell = new SamplerBenchResult.Cell(size, instanceCount, round,
                (String) settings.describe().get("layout"), load.layout(), load.registrationSeconds(), updates, indices,
                latency, history, instances, SamplerBenchResult.Memory.of(cluster.broker().rss()),
                RepoPaths.here().relative(cluster.diagnostics()), Map.of(), restarts);
        System.out.println(SamplerBenchTable.cellSummary(cell));
        return cell;
    }

    /**
     * Run ids ({@code prefix} + a number) whose prediction batches land on different partitions of
     * isgd.prediction-batches (Kafka's default partitioner: murmur2 of the key), so that different
     * run tasks, and given the assignment different instances, own them.
     */
    static List<String> spread(final String prefix, final int count, final int partitions) {
        final List<String> names = new ArrayList<>();
        final Set<Integer> used = new HashSet<>();
        for (int i = 0; names.size() < count; i++) {
            final String name = prefix + i;
            final int partition = Utils.toPositive(Utils.murmur2(name.getBytes(StandardCharsets.UTF_8))) % partitions;
            if (used.add(partition) || used.size() >= partitions) {
                names.add(name);
            }
        }
        return names;
    }
}
