package org.isgd.infra.bench.accuracy;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * When a run directory's runs finished and how long they took in all: the dates and total time that
 * summary.md and report.html both state.
 *
 * @param runs        finished runs
 * @param first       the earliest run's finish time ("" without runs)
 * @param last        the latest run's finish time ("" without runs)
 * @param wallSeconds the runs' wall seconds summed, evaluations and set-up included
 */
public record GridSpan(int runs, String first, String last, double wallSeconds) {

    public static GridSpan of(final List<CellResult> results) {
        return new GridSpan(results.size(),
                results.stream().map(CellResult::finishedAt).min(Comparator.naturalOrder()).orElse(""),
                results.stream().map(CellResult::finishedAt).max(Comparator.naturalOrder()).orElse(""),
                results.stream().mapToDouble(CellResult::wallSeconds).sum());
    }

    /** @return e.g. "189 finished, the first at …, the last at …" */
    public String finished() {
        return String.format(Locale.ROOT, "%d finished, the first at %s, the last at %s", runs, first, last);
    }

    /** @return e.g. "5 h 12 min of training runs (evaluations and set-up included)" */
    public String total() {
        return DurationEstimate.format(wallSeconds) + " of training runs (evaluations and set-up included)";
    }
}
