package org.isgd.infra.bench;

import java.util.List;
import java.util.Map;

/**
 * One finished training run of an accuracy benchmark: what was trained and every evaluation.
 *
 * @param arm a name for the comparison arm, e.g. the policy, or "uniform (local)"
 * @param curve test accuracy by step, every evaluation point
 */
public record AccuracyRun(String arm, String policy, String feed, long seed, long batches, double seconds,
                          double finalAccuracy, double finalBalancedAccuracy, List<Point> curve,
                          Map<String, Long> phases, double[] classShares) {

    /** One evaluation point. */
    public record Point(long step, double seconds, double testAccuracy, double balancedAccuracy) {
    }

    /** First step at which test accuracy reached {@code target}, or -1. */
    public long stepsTo(final double target) {
        return curve.stream().filter(p -> p.testAccuracy() >= target).mapToLong(Point::step).findFirst().orElse(-1);
    }

    /** Wall seconds into the run at which test accuracy reached {@code target}, or NaN. */
    public double secondsTo(final double target) {
        return curve.stream().filter(p -> p.testAccuracy() >= target).mapToDouble(Point::seconds).findFirst()
                .orElse(Double.NaN);
    }
}
