package org.isgd.infra.bench.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerBenchTableTest {
    private static SamplerBenchResult.Rate rate(final double total, final double samplerCores) {
        return new SamplerBenchResult.Rate(total, List.of(total), total, 20, List.of(samplerCores), 0.5, 0.3, 1.9);
    }

    private static SamplerBenchResult.Cell cell(final int samples, final int round, final double updates,
                                                final double indices, final double p99, final double historyMs) {
        final SamplerBenchResult.Memory memory = new SamplerBenchResult.Memory(600L << 20, 700L << 20);
        return new SamplerBenchResult.Cell(samples, 1, round, "per-instance", List.of(), 3.0, rate(updates, 0.9),
                rate(indices, 0.8), new SamplerBenchResult.Latency(1000, 4, p99, rate(5000, 0.1), new double[0],
                        new long[0]),
                SamplerBenchResult.HistoryQueries.of("r", List.of(new SamplerBenchResult.Probe(1, 104, historyMs, 2),
                        new SamplerBenchResult.Probe(2, 101, historyMs / 2, 3))),
                List.of(new SamplerBenchResult.Instance(0, 1, "http://127.0.0.1:1", memory, memory, "log")), memory,
                "diag", Map.of(), List.of(new SamplerBenchResult.Restart("wiped", 5000, 9000)));
    }

    @Test
    void theCellSummaryReportsTheRestart() {
        final String summary = SamplerBenchTable.cellSummary(cell(1_000_000, 1, 600_000, 2_000_000, 100, 200));
        org.junit.jupiter.api.Assertions.assertTrue(summary.contains(
                "restart after SIGKILL (state wiped): running after 5,000 ms, first batch after 9,000 ms"), summary);
    }

    @Test
    void roundsOfOneCellAreComparedFigureByFigure() {
        final List<SamplerBenchResult.Verdict> steady = SamplerBenchTable.steadiness(List.of(
                cell(1_000_000, 1, 260_000, 2_600_000, 7, 40), cell(1_000_000, 2, 250_000, 1_900_000, 7, 40),
                cell(10_000_000, 1, 180_000, 1_400_000, 40, 80)), 1.2);
        assertEquals(6, steady.size(), "one verdict per figure, and none for the 10M cell measured once");
        final SamplerBenchResult.Verdict updates = steady.get(0);
        assertTrue(updates.target().startsWith("steady: updates/s"));
        assertEquals(260_000.0 / 250_000, updates.measured(), 1e-12);
        assertTrue(updates.met());
        final SamplerBenchResult.Verdict indices = steady.get(2);
        assertEquals(2_600_000.0 / 1_900_000, indices.measured(), 1e-12);
        assertFalse(indices.met(), "1.37× between rounds is not steady");
    }

    @Test
    void theSlowestHistoryAnswerIsCheckedInEveryCell() {
        final List<SamplerBenchResult.Verdict> verdicts = SamplerBenchTable.verdicts(
                List.of(cell(1_000_000, 1, 260_000, 2_600_000, 7, 1500)), SamplerBenchResult.Targets.BATCHED);
        final SamplerBenchResult.Verdict history = verdicts.stream().filter(v -> v.target().startsWith("history"))
                .findFirst().orElseThrow();
        assertEquals(1500, history.measured());
        assertFalse(history.met());
        assertTrue(SamplerBenchTable.table(new SamplerBenchResult("c", "m", "s", Map.of(), List.of(), List.of(),
                SamplerBenchResult.Targets.BATCHED, List.of(cell(1_000_000, 1, 1, 1, 1, 12.5)), List.of(), List.of()))
                .contains("12.5 / 3.0 (104/101)"));
    }

    @Test
    void probesVisitTheirRunOnlyAndStopAfterTheirVisits() {
        final HistoryProbes probes = new HistoryProbes("r");
        assertEquals(-1, probes.next("other"));
        final int[] visits = new int[6];
        for (int i = 0; i < 5 * HistoryProbes.VISITS; i++) {
            visits[(int) probes.next("r")]++;
        }
        assertTrue(probes.done());
        assertEquals(-1, probes.next("r"));
        assertEquals(List.of(0, 100, 100, 100, 100, 100), java.util.Arrays.stream(visits).boxed().toList());
    }
}
