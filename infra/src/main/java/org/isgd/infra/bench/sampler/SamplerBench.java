package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.isgd.contract.Topics;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.common.Json;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.local.StartupStep;
import org.isgd.infra.progress.Progress;
import org.isgd.infra.topics.Clients;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;

/**
 * {@code isgd bench sampler}, one cell (a size and an instance count) at a time: a broker and the
 * sampler instances in processes of their own, N synthetic samples registered per run, then three
 * phases measured from the samplers' own counters — prediction updates absorbed per second (a
 * trainer that answers every batch at once with a prediction batch), weighted indices emitted per
 * second (a trainer that acknowledges every batch at once), prediction-to-sampling latency under a
 * trainer's steady load — and the RSS of every sampler after loading and at the end.
 */
public final class SamplerBench {
    static final String APPLIED = "isgd_predictions_applied_total";
    static final String INDICES = "isgd_indices_emitted_total";
    static final String POPULATION = "isgd_run_population";
    static final String DEAD_LETTERS = "isgd_dead_letters_total";
    private static final Pattern BROKER_UP = Pattern.compile("broker on (\\S+) \\(data in");
    private static final Pattern SAMPLER_UP = Pattern.compile("running against");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration STALL_TIMEOUT = Duration.ofMinutes(5);

    private final SamplerBenchSettings settings;
    private final String stamp;
    private final Path diagnostics;
    /** The current cell's measuring windows, for the profile. */
    private final List<JfrProfile.Window> windows = new ArrayList<>();
    private final List<SamplerBenchResult.Failure> failures = new ArrayList<>();
    /** The current cell's broker process. */
    private ChildJvm broker;

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
                System.out.printf(Locale.ROOT, "%n== %,d samples, %d sampler instance%s (%s) ==%n", size, instances,
                        instances == 1 ? "" : "s", settings.describe().get("layout"));
                try {
                    cells.add(cell(size, instances));
                } catch (UsageException | IOException | IllegalStateException e) {
                    // e.g. a sampler out of memory at 10M: say so, keep the other cells' results
                    System.out.printf("cell %,d × %d failed: %s%n", size, instances, e.getMessage());
                    failures.add(new SamplerBenchResult.Failure(size, instances, e.getMessage()));
                }
                write(result(machine, command, cells)); // a partial result survives a later cell's failure
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

    private SamplerBenchResult.Cell cell(final int size, final int instanceCount) throws Exception {
        final String name = "n" + size + "-i" + instanceCount;
        final Path work = settings.workDir().resolve(name);
        final Path diag = Files.createDirectories(diagnostics.resolve(name));
        final List<ChildJvm> samplers = new ArrayList<>();
        windows.clear();
        final SamplerBenchResult.Cell cell;
        try (ChildJvm cellBroker = ChildJvm.start("broker", settings.brokerJvmOptions(), List.of("broker", "--port", "0",
                "--data-dir", work.resolve("broker").toString()), diag.resolve("broker.log"))) {
            broker = cellBroker;
            final String bootstrap = StartupStep.run("broker", () -> broker.awaitLine(BROKER_UP, START_TIMEOUT).group(1));
            final Map<String, Object> client = new LinkedHashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap));
            final TopicSetup.Result topics = StartupStep.run("topics", () -> TopicSetup.ensureTopics(client));
            final List<URI> apis = new ArrayList<>();
            try {
                for (int i = 0; i < instanceCount; i++) {
                    final int port = freePort();
                    apis.add(URI.create("http://127.0.0.1:" + port + "/metrics"));
                    samplers.add(startSampler(i, bootstrap, port, work, diag));
                }
                for (final ChildJvm sampler : samplers) {
                    StartupStep.run(sampler.name(), () -> sampler.awaitLine(SAMPLER_UP, START_TIMEOUT).group());
                }
                try (SamplerWatch watch = new SamplerWatch(apis)) {
                    cell = measure(size, instanceCount, client, topics, samplers, watch, apis, diag);
                }
            } finally {
                samplers.forEach(ChildJvm::close); // a recording sampler writes its flight recording on the way out
            }
        } finally {
            if (!settings.keepWork()) {
                Dirs.deleteTree(work);
            }
        }
        return settings.profile() ? cell.withProfile(profiles(samplers, diag)) : cell;
    }

    /** Each sampler's flight recording, cut into the measuring windows, printed and kept next to the logs. */
    private Map<String, List<JfrProfile.Phase>> profiles(final List<ChildJvm> samplers, final Path diag)
            throws IOException {
        final Map<String, List<JfrProfile.Phase>> profiles = new LinkedHashMap<>();
        for (final ChildJvm sampler : samplers) {
            final Path jfr = recording(diag, sampler.name());
            if (!Files.exists(jfr)) {
                System.out.println(sampler.name() + ": no flight recording at " + jfr + "; see " + sampler.log());
                continue;
            }
            final List<JfrProfile.Phase> phases = JfrProfile.read(jfr, windows);
            final String text = JfrProfile.describe(sampler.name(), phases);
            Files.writeString(diag.resolve(sampler.name() + "-profile.txt"), text);
            System.out.print(text);
            profiles.put(sampler.name(), phases);
        }
        return profiles;
    }

    private static Path recording(final Path diag, final String sampler) {
        return diag.resolve(sampler + ".jfr");
    }

    private ChildJvm startSampler(final int index, final String bootstrap, final int port, final Path work,
                                  final Path diag) {
        final List<String> args = new ArrayList<>(List.of("sampler", "--bootstrap-servers", bootstrap, "--state-dir",
                work.resolve("sampler-" + index).toString(), "--application-id", "isgd-bench-" + stamp,
                "--api-port", Integer.toString(port), "--api-bind", "127.0.0.1"));
        args.addAll(settings.samplerCommandArgs());
        final List<String> jvm = new ArrayList<>(settings.samplerJvm());
        if (settings.profile()) {
            jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + recording(diag, "sampler-" + index));
        }
        return ChildJvm.start("sampler-" + index, jvm, args, diag.resolve("sampler-" + index + ".log"));
    }

    private SamplerBenchResult.Cell measure(final int size, final int instanceCount, final Map<String, Object> client,
                                            final TopicSetup.Result topics, final List<ChildJvm> samplers,
                                            final SamplerWatch watch, final List<URI> apis,
                                            final Path diag) throws Exception {
        awaitRunning(watch, samplers);
        final int partitions = topics.partitions().getOrDefault(Topics.PREDICTION_BATCHES.name(), 6);
        final List<String> runIds = spread("bench-" + stamp + "-n" + size + "-i" + instanceCount + "-r",
                settings.runs(instanceCount), partitions);
        final Map<String, String> runs = new LinkedHashMap<>(); // runId -> dataset
        for (int i = 0; i < runIds.size(); i++) {
            runs.put(runIds.get(i), "bench-synthetic-" + i);
        }
        final List<String> datasets = List.copyOf(new java.util.LinkedHashSet<>(runs.values()));
        createRuns(client, runs, size);
        final long t0 = System.nanoTime();
        final java.time.Instant loadStart = java.time.Instant.now();
        final int[] labels = SyntheticData.labels(size);
        for (final String dataset : datasets) {
            SampleRegistration.register(client, dataset, labels, 0, size, 0, "register " + dataset);
        }
        awaitPopulation(watch, samplers, runs.keySet(), size);
        final double registrationSeconds = (System.nanoTime() - t0) / 1e9;
        windows.add(new JfrProfile.Window("register and absorb", loadStart, java.time.Instant.now()));
        final List<SamplerBenchResult.Run> layout = owners(watch, runs);
        layout.forEach(r -> System.out.printf("run %s on %s: instance(s) %s%n", r.runId(), r.dataset(), r.owners()));
        final List<ChildJvm.Rss> afterLoad = rss(samplers, diag, "after-load");

        final SamplerBenchResult.Rate updates;
        final SamplerBenchResult.Rate indices;
        final SamplerBenchResult.Latency latency;
        try (FakeTrainer trainer = new FakeTrainer(client, Set.copyOf(runs.keySet()))) {
            updates = updates(watch, samplers, trainer);
            trainer.ack();
            indices = window("indices", watch, samplers, INDICES, trainer::indices, trainer::check);
            trainer.train(settings.latencyRate() * runs.size());
            latency = latency(watch, samplers, trainer);
            trainer.pause();
        }
        final List<ChildJvm.Rss> atEnd = rss(samplers, diag, "at-end");
        final List<SamplerBenchResult.Instance> instances = new ArrayList<>();
        for (int i = 0; i < samplers.size(); i++) {
            instances.add(new SamplerBenchResult.Instance(i, samplers.get(i).pid(), apis.get(i).toString(),
                    SamplerBenchResult.Memory.of(afterLoad.get(i)), SamplerBenchResult.Memory.of(atEnd.get(i)),
                    samplers.get(i).log().toString()));
        }
        final SamplerBenchResult.Cell cell = new SamplerBenchResult.Cell(size, instanceCount,
                (String) settings.describe().get("layout"), layout, registrationSeconds, updates, indices, latency,
                instances, SamplerBenchResult.Memory.of(broker.rss()), diag.toString(), Map.of());
        System.out.println(SamplerBenchTable.cellSummary(cell));
        return cell;
    }

    private void awaitRunning(final SamplerWatch watch, final List<ChildJvm> samplers) throws Exception {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int stable = 0;
        while (stable < 8) { // two seconds of every instance RUNNING: the group has settled
            Thread.sleep(250);
            samplers.forEach(ChildJvm::requireAlive);
            final boolean running = watch.latest().stream().allMatch(s -> s.series()
                    .getOrDefault("isgd_streams_state{state=\"RUNNING\"}", 0.0) == 1.0);
            stable = running ? stable + 1 : 0;
            if (System.nanoTime() > deadline) {
                throw new UsageException("the sampler instances did not all reach RUNNING within "
                        + START_TIMEOUT.toMinutes() + " min; see their logs: " + samplers.stream().map(s -> s.log()
                        .toString()).toList());
            }
        }
    }

    private void createRuns(final Map<String, Object> client, final Map<String, String> runs, final int size)
            throws Exception {
        try (KafkaProducer<String, RunSpec> producer = Clients.producer(client, Topics.RUNS)) {
            for (final Map.Entry<String, String> run : runs.entrySet()) {
                final RunSpec spec = RunSpec.newBuilder().setRunId(run.getKey()).setDataset(run.getValue())
                        .setPolicy(settings.policy()).setParams(Map.of()).setBatchSize(settings.batchSize()).setSeed(0)
                        .setLead(settings.lead()).setMinPopulation((long) size).setState(RunState.ACTIVE).build();
                final String problem = org.isgd.sampler.policy.Policies.check(spec);
                if (problem != null) {
                    throw new UsageException("run spec refused: " + problem);
                }
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), run.getKey(), spec)).get();
            }
        }
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

    private void awaitPopulation(final SamplerWatch watch, final List<ChildJvm> samplers, final Set<String> runs,
                                 final int size) throws Exception {
        final long target = (long) size * runs.size();
        long seen = -1;
        long grewAt = System.nanoTime();
        try (Progress bar = Progress.bar("absorb", target, "samples")) {
            while (true) {
                samplers.forEach(ChildJvm::requireAlive);
                final List<MetricsScrape> now = watch.latest();
                final long population = runs.stream().mapToLong(run -> Math.min(size, (long) population(now, run))).sum();
                bar.stepTo(population);
                if (population >= target) {
                    return;
                }
                if (population > seen) {
                    seen = population;
                    grewAt = System.nanoTime();
                } else if (System.nanoTime() - grewAt > STALL_TIMEOUT.toNanos()) {
                    throw new UsageException("the samplers absorbed " + population + " of " + target + " registrations "
                            + "and then none for " + STALL_TIMEOUT.toMinutes() + " min; see " + samplers.get(0).log());
                }
                Thread.sleep(250);
            }
        }
    }

    /** A run's population summed over the instances (one owns it, or several shard it). */
    private static double population(final List<MetricsScrape> scrapes, final String run) {
        return scrapes.stream().mapToDouble(s -> s.byLabel(POPULATION, "run").getOrDefault(run, 0.0)).sum();
    }

    private static List<SamplerBenchResult.Run> owners(final SamplerWatch watch, final Map<String, String> runs)
            throws IOException {
        final List<SamplerBenchResult.Run> layout = new ArrayList<>();
        for (final Map.Entry<String, String> run : runs.entrySet()) {
            final List<Integer> owners = new ArrayList<>();
            final List<MetricsScrape> scrapes = watch.latest();
            for (int i = 0; i < scrapes.size(); i++) {
                if (scrapes.get(i).byLabel(POPULATION, "run").getOrDefault(run.getKey(), 0.0) > 0) {
                    owners.add(i);
                }
            }
            layout.add(new SamplerBenchResult.Run(run.getKey(), run.getValue(), owners));
        }
        return layout;
    }

    /**
     * Phase (a): a trainer that answers every batch at once with a prediction batch of all its
     * samples: the samplers apply predictions as fast as they can emit and take them in (the lead
     * bounds what is in flight). Dead letters fail the phase.
     */
    private SamplerBenchResult.Rate updates(final SamplerWatch watch, final List<ChildJvm> samplers,
                                           final FakeTrainer trainer) throws Exception {
        final double deadBefore = watch.total(DEAD_LETTERS);
        trainer.train(Double.POSITIVE_INFINITY);
        final SamplerBenchResult.Rate rate = window("updates", watch, samplers, APPLIED, trainer::indices, () -> {
            trainer.check();
            if (watch.total(DEAD_LETTERS) > deadBefore) {
                throw new UsageException("the samplers sent benchmark predictions to isgd.dead-letters; see "
                        + samplers.get(0).log());
            }
        });
        trainer.pause();
        return rate;
    }

    /** Phase (c): a trainer's steady load; the latency histogram's growth over the window. */
    private SamplerBenchResult.Latency latency(final SamplerWatch watch, final List<ChildJvm> samplers,
                                               final FakeTrainer trainer) throws Exception {
        final Window w = measured("latency", watch, samplers, APPLIED, trainer::indices, trainer::check);
        final List<MetricsScrape[]> pairs = new ArrayList<>();
        for (int i = 0; i < w.start().size(); i++) {
            pairs.add(new MetricsScrape[] {w.start().get(i), w.end().get(i)});
        }
        final MetricsScrape.Histogram h = MetricsScrape.latencyBetween(pairs);
        return new SamplerBenchResult.Latency(h.total(), h.quantile(0.5), h.quantile(0.99), w.rate(APPLIED), h.upperBounds(),
                h.counts());
    }

    /** A warm-up, then a measuring window over which a counter's rate is taken per instance. */
    private SamplerBenchResult.Rate window(final String phase, final SamplerWatch watch, final List<ChildJvm> samplers,
                                           final String counter, final LongSupplier loadSide, final Runnable check)
            throws Exception {
        return measured(phase, watch, samplers, counter, loadSide, check).rate(counter);
    }

    private Window measured(final String phase, final SamplerWatch watch, final List<ChildJvm> samplers,
                            final String counter, final LongSupplier loadSide, final Runnable check) throws Exception {
        if (!settings.warmup().isZero()) {
            run(phase + " warm-up", settings.warmup(), watch, samplers, counter, check);
        }
        final long loadBefore = loadSide.getAsLong();
        final List<MetricsScrape> start = watch.scrapeAll();
        final double[] cpuStart = cpu(samplers);
        final java.time.Instant from = java.time.Instant.now();
        run(phase, settings.duration(), watch, samplers, counter, check);
        final List<MetricsScrape> end = watch.scrapeAll();
        final double[] cpuEnd = cpu(samplers);
        windows.add(new JfrProfile.Window(phase, from, java.time.Instant.now()));
        return new Window(start, end, loadSide.getAsLong() - loadBefore, cpuStart, cpuEnd);
    }

    /** CPU seconds so far of each sampler, then of the broker, of this process (the load), and the machine's busy ones. */
    private double[] cpu(final List<ChildJvm> samplers) {
        final double[] seconds = new double[samplers.size() + 3];
        for (int i = 0; i < samplers.size(); i++) {
            seconds[i] = ProcCpu.processSeconds(samplers.get(i).pid());
        }
        seconds[samplers.size()] = ProcCpu.processSeconds(broker.pid());
        seconds[samplers.size() + 1] = ProcCpu.processSeconds(ProcessHandle.current().pid());
        seconds[samplers.size() + 2] = ProcCpu.machineBusySeconds();
        return seconds;
    }

    /** Every instance's metrics at the start and end of a measuring window, and what the load side counted in it. */
    private record Window(List<MetricsScrape> start, List<MetricsScrape> end, long load, double[] cpuStart,
                          double[] cpuEnd) {
        SamplerBenchResult.Rate rate(final String counter) {
            final double seconds = (end.get(0).atNanos() - start.get(0).atNanos()) / 1e9;
            final List<Double> perInstance = new ArrayList<>();
            final List<Double> cores = new ArrayList<>();
            for (int i = 0; i < start.size(); i++) {
                perInstance.add(end.get(i).rate(start.get(i), counter));
                cores.add((cpuEnd[i] - cpuStart[i]) / seconds);
            }
            final int n = start.size();
            return new SamplerBenchResult.Rate(perInstance.stream().mapToDouble(Double::doubleValue).sum(), perInstance,
                    load / seconds, seconds, cores, (cpuEnd[n] - cpuStart[n]) / seconds,
                    (cpuEnd[n + 1] - cpuStart[n + 1]) / seconds, (cpuEnd[n + 2] - cpuStart[n + 2]) / seconds);
        }
    }

    /** Waits out {@code length} behind a progress bar showing the counter's live rate; fails early if a child dies. */
    private static void run(final String task, final Duration length, final SamplerWatch watch,
                            final List<ChildJvm> samplers, final String counter, final Runnable check) throws Exception {
        final long seconds = length.toSeconds();
        try (Progress bar = Progress.timer(task, seconds)) {
            final long start = System.nanoTime();
            for (long s = 1; s <= seconds; s++) {
                Thread.sleep(Math.max(0, (start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
                samplers.forEach(ChildJvm::requireAlive);
                check.run();
                bar.stepTo(s);
                bar.setExtraMessage(String.format(Locale.ROOT, " %s %,.0f/s", counter.replace("isgd_", "")
                        .replace("_total", ""), watch.recentRate(counter)));
            }
        }
    }

    /** RSS of each sampler; with native memory tracking, its summary and the heap's top classes, to files. */
    private List<ChildJvm.Rss> rss(final List<ChildJvm> samplers, final Path diag, final String when) throws IOException {
        final List<ChildJvm.Rss> rss = new ArrayList<>();
        for (final ChildJvm sampler : samplers) {
            rss.add(sampler.rss());
            final String prefix = sampler.name() + "-" + when;
            if (settings.nativeMemoryTracking()) {
                Files.writeString(diag.resolve(prefix + "-nmt.txt"), sampler.jcmd("VM.native_memory", "summary"));
            }
            final String histogram = sampler.jcmd("GC.class_histogram");
            Files.writeString(diag.resolve(prefix + "-heap-top.txt"), String.join("\n",
                    histogram.lines().limit(30).toList()) + "\n");
            System.out.printf(Locale.ROOT, "%s RSS %s: %.0f MiB (peak %.0f MiB)%n", sampler.name(), when,
                    rss.get(rss.size() - 1).vmRss() / 1048576.0, rss.get(rss.size() - 1).vmHwm() / 1048576.0);
        }
        return rss;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

}
