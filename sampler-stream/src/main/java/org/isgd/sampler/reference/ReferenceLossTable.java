package org.isgd.sampler.reference;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The irreducible losses of every dataset this sampler has read, for the runs' noise guards:
 * written by a {@link ReferenceLossReader}, read by the run tasks at their periodic work.
 */
public final class ReferenceLossTable {
    private final Map<String, ReferenceLosses> datasets = new ConcurrentHashMap<>();

    /** The dataset's losses, or null when none were read. */
    public ReferenceLosses of(final String dataset) {
        return datasets.get(dataset);
    }

    /** Publishes the dataset's losses as its next version; {@code byId} must not change afterwards. */
    void publish(final String dataset, final Long2IntOpenHashMap byId) {
        datasets.compute(dataset, (k, old) -> new ReferenceLosses(dataset, old == null ? 1 : old.version() + 1, byId));
    }

    /** Replaces the dataset's losses (tests). */
    public void set(final ReferenceLosses losses) {
        datasets.put(losses.dataset(), losses);
    }
}
