package org.isgd.infra.bench.sampler;

import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** The sampler benchmark's tables (Markdown, so they paste into README) and its verdicts on the targets. */
public final class SamplerBenchTable {
    private static final double MIB = 1024.0 * 1024.0;
    private static final int TARGET_RSS_SIZE = 10_000_000;

    private SamplerBenchTable() {
    }

    /**
     * Each cell against the targets. Rates are per instance (the total over the cell's instances
     * divided by their count); RSS is each instance's peak, checked at 10M samples only.
     */
    static List<SamplerBenchResult.Verdict> verdicts(final List<SamplerBenchResult.Cell> cells,
                                                     final SamplerBenchResult.Targets targets) {
        final List<SamplerBenchResult.Verdict> verdicts = new ArrayList<>();
        for (final SamplerBenchResult.Cell cell : cells) {
            verdicts.add(SamplerBenchResult.Verdict.of("prediction updates/s per instance", cell,
                    cell.updates().perInstanceMean(), cell.samples() >= TARGET_RSS_SIZE ? targets.updatesPerSecondAt10M()
                            : targets.updatesPerSecond(), true));
            verdicts.add(SamplerBenchResult.Verdict.of("sampler CPU µs per prediction", cell,
                    cell.updates().cpuMicrosPerEvent(), targets.cpuMicrosPerPrediction(), false));
            verdicts.add(SamplerBenchResult.Verdict.of("indices emitted/s per instance", cell,
                    cell.indices().perInstanceMean(), targets.indicesPerSecond(), true));
            verdicts.add(SamplerBenchResult.Verdict.of("p99 prediction-to-sampling latency (ms)", cell,
                    cell.latency().p99Ms(), targets.p99LatencyMs(), false));
            if (cell.samples() == TARGET_RSS_SIZE) {
                verdicts.add(SamplerBenchResult.Verdict.of("peak RSS per instance (MiB)", cell,
                        maxPeak(cell) / MIB, targets.rssBytesAt10M() / MIB, false));
            }
            verdicts.add(SamplerBenchResult.Verdict.of("history of a sample visited ~" + HistoryProbes.VISITS
                    + " times, slowest answer (ms)", cell, cell.history().slowestHistoryMs(), targets.historyQueryMs(),
                    false));
        }
        verdicts.addAll(steadiness(cells, targets.steadiness()));
        return verdicts;
    }

    /** The figures compared between rounds of a cell: name, and how to read it from a cell. */
    private static final Map<String, ToDoubleFunction<SamplerBenchResult.Cell>> FIGURES = figures();

    private static Map<String, ToDoubleFunction<SamplerBenchResult.Cell>> figures() {
        final Map<String, ToDoubleFunction<SamplerBenchResult.Cell>> f = new LinkedHashMap<>();
        f.put("updates/s", c -> c.updates().total());
        f.put("CPU µs per prediction", c -> c.updates().cpuMicrosPerEvent());
        f.put("indices/s", c -> c.indices().total());
        f.put("latency p50", c -> c.latency().p50Ms());
        f.put("latency p99", c -> c.latency().p99Ms());
        f.put("peak RSS", SamplerBenchTable::maxPeak);
        return f;
    }

    /**
     * For each cell measured in more than one round, each figure's largest ÷ smallest value over
     * the rounds, against {@code goal}.
     */
    static List<SamplerBenchResult.Verdict> steadiness(final List<SamplerBenchResult.Cell> cells, final double goal) {
        final Map<List<Integer>, List<SamplerBenchResult.Cell>> rounds = new LinkedHashMap<>();
        for (final SamplerBenchResult.Cell cell : cells) {
            rounds.computeIfAbsent(List.of(cell.samples(), cell.instances()), k -> new ArrayList<>()).add(cell);
        }
        final List<SamplerBenchResult.Verdict> verdicts = new ArrayList<>();
        for (final List<SamplerBenchResult.Cell> same : rounds.values()) {
            if (same.size() < 2) {
                continue;
            }
            for (final Map.Entry<String, ToDoubleFunction<SamplerBenchResult.Cell>> figure : FIGURES.entrySet()) {
                final DoubleSummaryStatistics values = same.stream().mapToDouble(figure.getValue()).summaryStatistics();
                verdicts.add(SamplerBenchResult.Verdict.of("steady: " + figure.getKey() + ", largest ÷ smallest of "
                        + same.size() + " rounds", same.get(0), values.getMax() / values.getMin(), goal, false));
            }
        }
        return verdicts;
    }

    private static long maxPeak(final SamplerBenchResult.Cell cell) {
        return cell.samplers().stream().mapToLong(i -> i.atEnd().peak()).max().orElse(0);
    }

    /** The measurements, one row per cell. */
    public static String table(final SamplerBenchResult result) {
        final StringBuilder sb = new StringBuilder();
        sb.append("| samples | instances | round | updates/s (per instance) | sampler CPU µs / prediction | indices/s (per instance) "
                + "| sampler CPU µs / index | latency p50 / p99 ms | RSS after load / peak, MiB (per instance) "
                + "| history / asOf ms, slowest (visits) | CPU in (a) updates; (b) indices |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
        for (final SamplerBenchResult.Cell c : result.cells()) {
            sb.append(String.format(Locale.ROOT, "| %,d | %d | %d | %,.0f (%s) | %.2f | %,.0f (%s) | %.2f | %.0f / %.0f "
                            + "| %s | %.1f / %.1f (%s) | %s; %s |%n", c.samples(), c.instances(), c.round(),
                    c.updates().total(), rates(c.updates()), c.updates().cpuMicrosPerEvent(), c.indices().total(),
                    rates(c.indices()), c.indices().cpuMicrosPerEvent(), c.latency().p50Ms(), c.latency().p99Ms(),
                    memory(c), c.history().slowestHistoryMs(), c.history().slowestAsOfMs(), c.history().probes()
                            .stream().map(p -> String.valueOf(p.visits())).collect(Collectors.joining("/")),
                    cores(c.updates()), cores(c.indices())));
        }
        return sb.toString();
    }

    private static String memory(final SamplerBenchResult.Cell c) {
        return c.samplers().stream().map(i -> String.format(Locale.ROOT, "%.0f / %.0f", i.afterLoad().rss() / MIB,
                i.atEnd().peak() / MIB)).collect(Collectors.joining("; "));
    }

    /** Each target in each cell: measured, goal, and the ratio (> 1 is better than the target). */
    public static String verdictTable(final SamplerBenchResult result) {
        final StringBuilder sb = new StringBuilder("| target | samples | instances | measured | target | ratio | |\n"
                + "|---|---:|---:|---:|---:|---:|---|\n");
        for (final SamplerBenchResult.Verdict v : result.verdicts()) {
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %d | %,.2f | %s%,.2f | %.2f | %s |%n", v.target(),
                    v.samples(), v.instances(), v.measured(), v.higherIsBetter() ? "≥ " : "≤ ", v.goal(), v.ratio(),
                    v.met() ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", 100 * (1 - v.ratio()))));
        }
        for (final SamplerBenchResult.Failure f : result.failures()) {
            sb.append(String.format(Locale.ROOT, "| (cell failed: %s) | %,d | %d | | | | missed |%n",
                    f.error().lines().findFirst().orElse(""), f.samples(), f.instances()));
        }
        return sb.toString();
    }

    /** One cell in a few lines, printed when it finishes. */
    static String cellSummary(final SamplerBenchResult.Cell c) {
        return String.format(Locale.ROOT, "updates %,.0f/s, %.2f µs of sampler CPU each (trainer sent %,.0f/s; %s),"
                        + "%nindices %,.0f/s (trainer got %,.0f/s; %s),%nlatency p50 %.0f ms p99 %.0f ms over %,d "
                        + "predictions at %,.0f/s (%s), registration %.1f s",
                c.updates().total(), c.updates().cpuMicrosPerEvent(), c.updates().loadSide(), cores(c.updates()),
                c.indices().total(),
                c.indices().loadSide(), cores(c.indices()), c.latency().p50Ms(), c.latency().p99Ms(), c.latency().count(),
                c.latency().applied().total(), cores(c.latency().applied()), c.registrationSeconds())
                + c.restarts().stream().map(r -> String.format(Locale.ROOT, ",%nrestart after SIGKILL (state %s): "
                        + "running after %,d ms, first batch after %,d ms", r.state(), r.upMs(), r.firstBatchMs()))
                        .collect(Collectors.joining());
    }

    /** "cores: samplers 0.40 + 0.30, broker 0.5, load 0.3, machine 1.9": who got the CPU. */
    private static String cores(final SamplerBenchResult.Rate rate) {
        return String.format(Locale.ROOT, "cores: samplers %s, broker %.2f, load %.2f, machine %.2f", rate.samplerCores()
                .stream().map(c -> String.format(Locale.ROOT, "%.2f", c)).collect(Collectors.joining(" + ")),
                rate.brokerCores(), rate.loadCores(), rate.machineCores());
    }

    private static String rates(final SamplerBenchResult.Rate rate) {
        return rate.perInstance().stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).collect(Collectors.joining(" + "));
    }
}
