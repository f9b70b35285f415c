package org.isgd.infra.bench;

import java.util.List;
import java.util.Locale;

/**
 * The accuracy comparison as a markdown table: each arm against the uniform control arm's final
 * accuracy. Losses are shown as they are: a policy that never reaches uniform's accuracy says so.
 */
public final class AccuracyTable {
    private AccuracyTable() {
    }

    public static String markdown(final List<AccuracyRun> runs, final String baselineArm) {
        final AccuracyRun baseline = runs.stream().filter(r -> r.arm().equals(baselineArm)).findFirst().orElse(null);
        final double target = baseline == null ? Double.NaN : baseline.finalAccuracy();
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "| arm | feed | final test acc | balanced acc | Δ acc vs %s | steps to %s's final acc (%.4f) | speed-up | wall s |%n",
                baselineArm, baselineArm, target));
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final AccuracyRun run : runs) {
            final long steps = run.stepsTo(target);
            final long baselineSteps = baseline == null ? -1 : baseline.stepsTo(target);
            out.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f | %+.4f | %s | %s | %.0f |%n", run.arm(),
                    run.feed(), run.finalAccuracy(), run.finalBalancedAccuracy(), run.finalAccuracy() - target,
                    steps < 0 ? "not reached" : Long.toString(steps),
                    steps <= 0 || baselineSteps <= 0 ? "—" : String.format(Locale.ROOT, "%.2f×", (double) baselineSteps / steps),
                    run.seconds()));
        }
        return out.toString();
    }
}
