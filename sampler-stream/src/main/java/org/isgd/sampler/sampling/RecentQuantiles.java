package org.isgd.sampler.sampling;

import org.apache.datasketches.kll.KllFloatsSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Ranks and quantiles of the most recent values of a stream: a KLL sketch (Apache DataSketches)
 * per tumbling window of {@code window} values. Queries answer from the last complete window
 * (exactly {@code window} values, the newest of them at most one window old); until the first
 * window completes, from the values so far.
 *
 * <p>The sketch's k is the window size, so it never compacts: ranks are exact and, above all,
 * deterministic (KLL compaction flips coins from an unseeded static Random, which would make a
 * run's batches irreproducible). Hence windows are limited to KLL's largest k, 65535 values
 * (256 KiB per sketch); queries on a complete window reuse its cached sorted view.
 */
public final class RecentQuantiles {
    public static final int MAX_WINDOW = 65_535;
    private static final int MIN_K = 8;
    private final int window;
    private KllFloatsSketch filling;
    private KllFloatsSketch complete;

    public RecentQuantiles(final int window) {
        if (window < 1 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("window must be in [1, " + MAX_WINDOW + "], was " + window);
        }
        this.window = window;
        this.filling = newSketch();
    }

    public void update(final double value) {
        filling.update((float) value);
        if (filling.getN() >= window) {
            complete = filling;
            filling = newSketch();
        }
    }

    /** Whether answers are exact: always, by construction; a test guards the claim. */
    boolean exact() {
        return !view().isEstimationMode();
    }

    private KllFloatsSketch newSketch() {
        return KllFloatsSketch.newHeapInstance(Math.max(MIN_K, window));
    }

    public boolean isEmpty() {
        return view().isEmpty();
    }

    /** The fraction of recent values ≤ {@code value}, in [0, 1]; 0 when empty. */
    public double rank(final double value) {
        final KllFloatsSketch view = view();
        return view.isEmpty() ? 0.0 : view.getRank((float) value, QuantileSearchCriteria.INCLUSIVE);
    }

    /** The recent value at normalized rank {@code rank}; NaN when empty. */
    public double quantile(final double rank) {
        final KllFloatsSketch view = view();
        return view.isEmpty() ? Double.NaN : view.getQuantile(rank, QuantileSearchCriteria.INCLUSIVE);
    }

    private KllFloatsSketch view() {
        return complete != null ? complete : filling;
    }
}
