package org.isgd.sampler.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.isgd.sampler.status.RunSnapshot;

/**
 * A run's statistics as the API shows them, from its owner's latest {@link RunSnapshot}.
 * Values not known yet (no batch emitted, no prediction applied, no τ) are null.
 *
 * @param classShares share of all draws per class; sums to 1 once anything was drawn
 * @param owner the query endpoint of the instance that answered
 */
record RunView(String runId, String dataset, String policy, String state, String phase, int population,
               long nextBatchSeq, long[] acked, long[] lead, long[] classDraws, double[] classShares,
               Double effectiveSampleSize, Double tau, Long stalenessMs, Map<String, Double> policyStats,
               List<Long> suspects, long takenAt, String owner) {

    static final String TAU = "tau";

    static RunView of(final RunSnapshot snapshot, final String owner) {
        final Double tau = snapshot.policyStats().get(TAU);
        return new RunView(snapshot.runId(), snapshot.dataset(), snapshot.policy(), snapshot.state(), snapshot.phase(),
                snapshot.population(), snapshot.nextBatchSeq(), snapshot.acked(), snapshot.lead(), snapshot.classDraws(),
                snapshot.classShares(), finite(snapshot.effectiveSampleSize()), tau == null ? null : finite(tau),
                snapshot.staleness() < 0 ? null : snapshot.staleness(), finiteOnly(snapshot.policyStats()),
                snapshot.suspects(), snapshot.takenAt(), owner);
    }

    private static Double finite(final double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** JSON has no NaN: a statistic not known yet is left out. */
    private static Map<String, Double> finiteOnly(final Map<String, Double> stats) {
        final Map<String, Double> finite = new TreeMap<>();
        stats.forEach((name, value) -> {
            if (value != null && Double.isFinite(value)) {
                finite.put(name, value);
            }
        });
        return finite;
    }
}
