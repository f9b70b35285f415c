package org.isgd.sampler.policy;

import java.util.Arrays;

/** What a shard's walk kept of its candidates, collected into a {@link SamplingPolicy.Walk}. */
final class KeptCandidates {
    private final int candidates;
    private final long[] ids;
    private final int[] labels;
    private final double[] keeps;
    private final int[] at;
    private int kept;

    KeptCandidates(final int candidates) {
        this.candidates = candidates;
        ids = new long[candidates];
        labels = new int[candidates];
        keeps = new double[candidates];
        at = new int[candidates];
    }

    /** Candidate number {@code candidate} of the walk was kept, with keep probability {@code p}. */
    void keep(final long id, final int label, final double p, final int candidate) {
        ids[kept] = id;
        labels[kept] = label;
        keeps[kept] = p;
        at[kept++] = candidate;
    }

    SamplingPolicy.Walk walk(final String phase) {
        return new SamplingPolicy.Walk(new SamplingPolicy.Draw(Arrays.copyOf(ids, kept), Arrays.copyOf(labels, kept),
                null, Arrays.copyOf(keeps, kept), phase), Arrays.copyOf(at, kept), candidates);
    }
}
