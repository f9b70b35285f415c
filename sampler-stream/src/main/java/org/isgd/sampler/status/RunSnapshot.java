package org.isgd.sampler.status;

import java.util.List;
import java.util.Map;

/**
 * A run as its owning sampler task last saw it, published from the stream thread every
 * punctuation so that the query API and the metrics never touch the task's live state.
 *
 * @param classDraws samples drawn per class since the run started
 * @param effectiveSampleSize (Σw)²/Σw² of the last batch's weights, divided by its size: 1 = all equal
 * @param lead batches emitted but not yet acknowledged, per rank
 * @param staleness milliseconds since the last prediction for this run was applied (-1: none yet)
 */
public record RunSnapshot(String runId, String dataset, String policy, String state, String phase, int population,
                          long nextBatchSeq, long[] acked, long[] lead, long[] classDraws, double effectiveSampleSize,
                          long staleness, Map<String, Double> policyStats, List<Long> suspects, long takenAt) {

    /** Share of all draws per class. */
    public double[] classShares() {
        long total = 0;
        for (final long c : classDraws) {
            total += c;
        }
        final double[] shares = new double[classDraws.length];
        for (int c = 0; c < shares.length; c++) {
            shares[c] = total == 0 ? 0 : (double) classDraws[c] / total;
        }
        return shares;
    }
}
