package org.isgd.infra.bench.accuracy;

import java.util.Locale;

/** One cell of the accuracy grid: an arm trained on one data variant, at one budget, with one seed. */
public record GridCell(String arm, String data, double budget, long seed) {

    /** A stable text key: the cell's identity in results.jsonl. */
    public String key() {
        return String.format(Locale.ROOT, "%s|%s|%.3f|%d", arm, data, budget, seed);
    }

    /** e.g. "early-importance, long-tail, 30%, seed 0". */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %s, %s, seed %d", arm, data, percent(budget), seed);
    }

    /** e.g. "30%". */
    public static String percent(final double budget) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * budget);
    }
}
