package org.isgd.infra.bench.sampler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.progress.Progress;
import org.isgd.infra.soak.IsgdProcess;

/**
 * The measured phases of a loaded cell, each a warm-up and a measuring window read from the
 * samplers' own counters: (a) prediction updates absorbed per second, (b) weighted indices
 * emitted per second, (c) prediction-to-sampling latency under a trainer's steady load; between
 * (a) and (b) the query API's history answers are timed. Every
 * window is also kept for the profile.
 */
final class SamplerPhases {
    private static final Duration RESTART_TIMEOUT = Duration.ofMinutes(10);
    /** Batches the acknowledging trainer reads before the restart phase kills the sampler. */
    private static final int FLOWING_BATCHES = 100;
    static final String APPLIED = "isgd_predictions_applied_total";
    static final String INDICES = "isgd_indices_emitted_total";
    static final String DEAD_LETTERS = "isgd_dead_letters_total";

    private final SamplerBenchSettings settings;
    private final SamplerCluster cluster;
    private final SamplerWatch watch;
    private final List<JfrProfile.Window> windows;

    /** @param windows where each measuring window is added */
    SamplerPhases(final SamplerBenchSettings settings, final SamplerCluster cluster, final SamplerWatch watch,
                  final List<JfrProfile.Window> windows) {
        this.settings = settings;
        this.cluster = cluster;
        this.watch = watch;
        this.windows = windows;
    }

    /**
     * Phase (a): a trainer that answers every batch at once with a prediction batch of all its
     * samples: the samplers apply predictions as fast as they can emit and take them in (the lead
     * bounds what is in flight). Dead letters fail the phase.
     */
    SamplerBenchResult.Rate updates(final FakeTrainer trainer) throws Exception {
        final double deadBefore = watch.total(DEAD_LETTERS);
        trainer.train(Double.POSITIVE_INFINITY);
        final SamplerBenchResult.Rate rate = measured("updates", APPLIED, trainer::indices, () -> {
            trainer.check();
            if (watch.total(DEAD_LETTERS) > deadBefore) {
                throw new UsageException("the samplers sent benchmark predictions to isgd.dead-letters; see "
                        + cluster.samplers().get(0).log());
            }
        }).rate(APPLIED);
        trainer.pause();
        return rate;
    }

    /**
     * After phase (a), with no load: the query API's answers for the probe samples' histories and
     * past states, once their predictions have applied.
     */
    SamplerBenchResult.HistoryQueries history(final HistoryProbes probes) throws Exception {
        if (!probes.done()) {
            throw new IllegalStateException("the updates phase ended before the history probes had their "
                    + HistoryProbes.VISITS + " visits each; lengthen --warmup or --duration");
        }
        final SamplerBenchResult.HistoryQueries queries = probes.measure(cluster.apis().get(0));
        System.out.printf(Locale.ROOT, "history of %d samples with %s visits: slowest %.1f ms, asOf slowest %.1f ms%n",
                queries.probes().size(), queries.probes().stream().map(p -> String.valueOf(p.visits()))
                        .collect(java.util.stream.Collectors.joining("/")), queries.slowestHistoryMs(),
                queries.slowestAsOfMs());
        return queries;
    }

    /** Phase (b): a trainer that acknowledges every batch at once; indices emitted per second. */
    SamplerBenchResult.Rate indices(final FakeTrainer trainer) throws Exception {
        trainer.ack();
        return measured("indices", INDICES, trainer::indices, trainer::check).rate(INDICES);
    }

    /** Phase (c): a trainer's steady load of {@code rate} predictions a second; the latency histogram's growth over the window. */
    SamplerBenchResult.Latency latency(final FakeTrainer trainer, final double rate) throws Exception {
        trainer.train(rate);
        final Window w = measured("latency", APPLIED, trainer::indices, trainer::check);
        trainer.pause();
        final List<MetricsScrape[]> pairs = new ArrayList<>();
        for (int i = 0; i < w.start().size(); i++) {
            pairs.add(new MetricsScrape[] {w.start().get(i), w.end().get(i)});
        }
        final MetricsScrape.Histogram h = MetricsScrape.latencyBetween(pairs);
        return new SamplerBenchResult.Latency(h.total(), h.quantile(0.5), h.quantile(0.99), w.rate(APPLIED),
                h.upperBounds(), h.counts());
    }

    /**
     * Phase (d), with {@code --restart}: the trainer acknowledging (as in phase b), sampler 0 SIGKILLed and started
     * again with its state directory kept or wiped; the time from the kill until the trainer reads a batch created
     * after it. With several instances, sampler 0 may not own the runs; the figure means most with one.
     */
    SamplerBenchResult.Restart restart(final FakeTrainer trainer, final boolean wipe) throws Exception {
        trainer.ack();
        final long before = trainer.batches();
        IsgdProcess.await(() -> {
            trainer.check();
            return trainer.batches() >= before + FLOWING_BATCHES;
        }, RESTART_TIMEOUT, "batches flowing before the restart (see " + cluster.samplers().get(0).log() + ")");
        final long killedAt = System.currentTimeMillis();
        final long t0 = System.nanoTime();
        cluster.restartSampler(0, wipe);
        final long upMs = (System.nanoTime() - t0) / 1_000_000;
        IsgdProcess.await(() -> {
            trainer.check();
            return trainer.lastCreatedAt() >= killedAt;
        }, RESTART_TIMEOUT, "a batch from the restarted sampler-0 (see " + cluster.samplers().get(0).log() + ")");
        final long firstBatchMs = System.currentTimeMillis() - killedAt;
        trainer.pause();
        final SamplerBenchResult.Restart restart = new SamplerBenchResult.Restart(wipe ? "wiped" : "kept", upMs,
                firstBatchMs);
        System.out.printf(Locale.ROOT, "restart (state %s): sampler-0 SIGKILLed, running again after %d ms, first batch "
                + "after %d ms%n", restart.state(), upMs, firstBatchMs);
        return restart;
    }

    /** A warm-up, then a measuring window over which counters' rates are taken per instance. */
    private Window measured(final String phase, final String counter, final LongSupplier loadSide, final Runnable check)
            throws Exception {
        if (!settings.warmup().isZero()) {
            run(phase + " warm-up", settings.warmup(), counter, check);
        }
        final long loadBefore = loadSide.getAsLong();
        final List<MetricsScrape> start = watch.scrapeAll();
        final double[] cpuStart = cluster.cpu();
        final Instant from = Instant.now();
        run(phase, settings.duration(), counter, check);
        final List<MetricsScrape> end = watch.scrapeAll();
        final double[] cpuEnd = cluster.cpu();
        windows.add(new JfrProfile.Window(phase, from, Instant.now()));
        return new Window(start, end, loadSide.getAsLong() - loadBefore, cpuStart, cpuEnd);
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
    private void run(final String task, final Duration length, final String counter, final Runnable check)
            throws Exception {
        final long seconds = length.toSeconds();
        try (Progress bar = Progress.timer(task, seconds)) {
            final long start = System.nanoTime();
            for (long s = 1; s <= seconds; s++) {
                Thread.sleep(Math.max(0, (start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
                cluster.requireAlive();
                check.run();
                bar.stepTo(s);
                bar.setExtraMessage(String.format(Locale.ROOT, " %s %,.0f/s", counter.replace("isgd_", "")
                        .replace("_total", ""), watch.recentRate(counter)));
            }
        }
    }
}
