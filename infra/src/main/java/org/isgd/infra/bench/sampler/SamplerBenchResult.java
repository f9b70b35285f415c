package org.isgd.infra.bench.sampler;

import java.util.List;
import java.util.Map;

/** What {@code isgd bench sampler} measured, as written to its JSON file. */
public record SamplerBenchResult(String command, String machine, String stamp, Map<String, Object> settings,
                                 List<String> samplerJvmOptions, List<String> samplerArgs, Targets targets,
                                 List<Cell> cells, List<Verdict> verdicts, List<Failure> failures) {

    /**
     * The goals a cell is checked against.
     *
     * @param updatesPerSecond per instance, below 10M samples
     * @param updatesPerSecondAt10M per instance, at 10M samples and more
     * @param cpuMicrosPerPrediction sampler CPU per applied prediction in the updates phase, at most
     * @param historyQueryMs a sample's history with about {@link HistoryProbes#VISITS} visits, slowest answer
     * @param steadiness the largest ratio between two rounds of a cell on any figure
     */
    public record Targets(double updatesPerSecond, double updatesPerSecondAt10M, double cpuMicrosPerPrediction,
                          double indicesPerSecond, double p99LatencyMs, long rssBytesAt10M, double historyQueryMs,
                          double steadiness) {
        /** The batched data path's targets (issue 11). */
        static final Targets BATCHED = new Targets(250_000, 200_000, 4, 2_000_000, 150, 3L << 29, 1000, 1.2);
    }

    /** One size × instance count, measured in round {@code round} (1 … --repeat). */
    public record Cell(int samples, int instances, int round, String layout, List<Run> runs, double registrationSeconds,
                       Rate updates, Rate indices, Latency latency, HistoryQueries history, List<Instance> samplers,
                       Memory broker, String diagnostics, Map<String, List<JfrProfile.Phase>> profile,
                       List<Restart> restarts) {
        Cell withProfile(final Map<String, List<JfrProfile.Phase>> samplerProfiles) {
            return new Cell(samples, instances, round, layout, runs, registrationSeconds, updates, indices, latency,
                    history, samplers, broker, diagnostics, samplerProfiles, restarts);
        }
    }

    /**
     * A SIGKILL of sampler 0 while a trainer acknowledged batches, and its restart ({@code --restart}).
     *
     * @param state "kept" (the state directory as the kill left it) or "wiped" (deleted: restored from the changelogs)
     * @param upMs from the kill until the restarted process said it runs
     * @param firstBatchMs from the kill until the trainer read a batch created after it
     */
    public record Restart(String state, long upMs, long firstBatchMs) {
    }

    /** The query API timed on a few samples' histories and past states (after the updates phase, no load). */
    public record HistoryQueries(String runId, List<Probe> probes, double slowestHistoryMs, double slowestAsOfMs) {
        static HistoryQueries of(final String runId, final List<Probe> probes) {
            return new HistoryQueries(runId, probes, probes.stream().mapToDouble(Probe::historyMs).max().orElse(Double.NaN),
                    probes.stream().mapToDouble(Probe::asOfMs).max().orElse(Double.NaN));
        }
    }

    /** One probe sample: its visits (history entries) and how long each answer took, request to parsed JSON. */
    public record Probe(long sampleId, int visits, double historyMs, double asOfMs) {
    }

    /** A run of the benchmark and the instances whose metrics report it (its owners). */
    public record Run(String runId, String dataset, List<Integer> owners) {
    }

    /**
     * A rate over the measuring window: summed over the instances, each instance's, and what the
     * load generator saw on its side (predictions sent, or indices the trainer received); with the
     * cores used by each sampler process, the broker and the benchmark's own process (the load),
     * and how many the whole machine was busy (every process, the benchmark's and any other).
     */
    public record Rate(double total, List<Double> perInstance, double loadSide, double windowSeconds,
                       List<Double> samplerCores, double brokerCores, double loadCores, double machineCores) {
        double perInstanceMean() {
            return perInstance.isEmpty() ? 0 : total / perInstance.size();
        }

        /** Sampler CPU (all instances) per counted event, microseconds. */
        double cpuMicrosPerEvent() {
            return total > 0 ? samplerCores.stream().mapToDouble(Double::doubleValue).sum() / total * 1e6 : Double.NaN;
        }
    }

    /** Prediction-to-sampling latency over the latency phase, from the samplers' histograms. */
    public record Latency(long count, double p50Ms, double p99Ms, Rate applied, double[] bucketsMs, long[] counts) {
    }

    /** One sampler process. */
    public record Instance(int index, long pid, String apiUrl, Memory afterLoad, Memory atEnd, String log) {
    }

    /** VmRSS and VmHWM, bytes. */
    public record Memory(long rss, long peak) {
        static Memory of(final ChildJvm.Rss rss) {
            return new Memory(rss.vmRss(), rss.vmHwm());
        }
    }

    /** A cell that did not finish, and why (the end of the failing process's log is in the message). */
    public record Failure(int samples, int instances, String error) {
    }

    /** One target checked in one cell. */
    public record Verdict(String target, int samples, int instances, double measured, double goal, boolean higherIsBetter,
                          double ratio, boolean met) {
        static Verdict of(final String target, final Cell cell, final double measured, final double goal,
                          final boolean higherIsBetter) {
            final double ratio = higherIsBetter ? measured / goal : goal / measured;
            return new Verdict(target, cell.samples(), cell.instances(), measured, goal, higherIsBetter, ratio,
                    Double.isFinite(measured) && ratio >= 1);
        }
    }
}
