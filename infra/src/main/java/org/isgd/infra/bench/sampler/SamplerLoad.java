package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.isgd.contract.Topics;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.progress.Progress;
import org.isgd.infra.topics.Clients;
import org.isgd.sampler.policy.Policies;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;

/**
 * Loads a cell of {@code isgd bench sampler}: waits until the sampler group has settled, creates
 * the runs, registers N synthetic samples per run's dataset and waits until the samplers have
 * absorbed them all, then reads which instances own each run.
 */
final class SamplerLoad {
    static final String POPULATION = "isgd_run_population";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STALL_TIMEOUT = Duration.ofMinutes(5);

    private final SamplerBenchSettings settings;
    private final SamplerCluster cluster;
    private final SamplerWatch watch;

    SamplerLoad(final SamplerBenchSettings settings, final SamplerCluster cluster, final SamplerWatch watch) {
        this.settings = settings;
        this.cluster = cluster;
        this.watch = watch;
    }

    /**
     * The loaded runs.
     *
     * @param runs                runId → dataset
     * @param registrationSeconds from the first registration until every run had all its samples
     * @param layout              each run's owners
     */
    record Loaded(Map<String, String> runs, double registrationSeconds, List<SamplerBenchResult.Run> layout) {
    }

    /** Loads {@code size} samples for each of {@code runIds}, each run on a dataset of its own; the load is a profile window. */
    Loaded load(final List<String> runIds, final int size, final List<JfrProfile.Window> windows) throws Exception {
        awaitRunning();
        final Map<String, String> runs = new LinkedHashMap<>(); // runId -> dataset
        for (int i = 0; i < runIds.size(); i++) {
            runs.put(runIds.get(i), "bench-synthetic-" + i);
        }
        final List<String> datasets = List.copyOf(new LinkedHashSet<>(runs.values()));
        createRuns(runs, size);
        final long t0 = System.nanoTime();
        final Instant loadStart = Instant.now();
        final int[] labels = SyntheticData.labels(size);
        for (final String dataset : datasets) {
            SampleRegistration.register(cluster.client(), dataset, labels, 0, size, 0, "register " + dataset);
        }
        awaitPopulation(runs.keySet(), size);
        final double registrationSeconds = (System.nanoTime() - t0) / 1e9;
        windows.add(new JfrProfile.Window("register and absorb", loadStart, Instant.now()));
        final List<SamplerBenchResult.Run> layout = owners(runs);
        layout.forEach(r -> System.out.printf("run %s on %s: instance(s) %s%n", r.runId(), r.dataset(), r.owners()));
        return new Loaded(runs, registrationSeconds, layout);
    }

    private void awaitRunning() throws Exception {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int stable = 0;
        while (stable < 8) { // two seconds of every instance RUNNING: the group has settled
            Thread.sleep(250);
            cluster.requireAlive();
            final boolean running = watch.latest().stream().allMatch(s -> s.series()
                    .getOrDefault("isgd_streams_state{state=\"RUNNING\"}", 0.0) == 1.0);
            stable = running ? stable + 1 : 0;
            if (System.nanoTime() > deadline) {
                throw new UsageException("the sampler instances did not all reach RUNNING within "
                        + START_TIMEOUT.toMinutes() + " min; see their logs: " + cluster.samplers().stream()
                        .map(s -> s.log().toString()).toList());
            }
        }
    }

    private void createRuns(final Map<String, String> runs, final int size) throws Exception {
        try (KafkaProducer<String, RunSpec> producer = Clients.producer(cluster.client(), Topics.RUNS)) {
            for (final Map.Entry<String, String> run : runs.entrySet()) {
                final RunSpec spec = RunSpec.newBuilder().setRunId(run.getKey()).setDataset(run.getValue())
                        .setPolicy(settings.policy()).setParams(Map.of()).setBatchSize(settings.batchSize()).setSeed(0)
                        .setLead(settings.lead()).setMinPopulation((long) size).setState(RunState.ACTIVE).build();
                final String problem = Policies.check(spec);
                if (problem != null) {
                    throw new UsageException("run spec refused: " + problem);
                }
                producer.send(new ProducerRecord<>(Topics.RUNS.name(), run.getKey(), spec)).get();
            }
        }
    }

    private void awaitPopulation(final Set<String> runs, final int size) throws Exception {
        final long target = (long) size * runs.size();
        long seen = -1;
        long grewAt = System.nanoTime();
        try (Progress bar = Progress.bar("absorb", target, "samples")) {
            while (true) {
                cluster.requireAlive();
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
                            + "and then none for " + STALL_TIMEOUT.toMinutes() + " min; see "
                            + cluster.samplers().get(0).log());
                }
                Thread.sleep(250);
            }
        }
    }

    /** A run's population summed over the instances (one owns it, or several shard it). */
    private static double population(final List<MetricsScrape> scrapes, final String run) {
        return scrapes.stream().mapToDouble(s -> s.byLabel(POPULATION, "run").getOrDefault(run, 0.0)).sum();
    }

    private List<SamplerBenchResult.Run> owners(final Map<String, String> runs) throws IOException {
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
}
