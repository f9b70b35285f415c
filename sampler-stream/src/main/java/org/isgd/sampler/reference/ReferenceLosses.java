package org.isgd.sampler.reference;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * One dataset's irreducible losses as read from {@code isgd.irreducible-losses} so far: each
 * sample's cross-entropy under a reference model trained on a held-out split. Immutable; a newer
 * version replaces it when more records arrive.
 */
public final class ReferenceLosses {
    private final String dataset;
    private final long version;
    /** Float bits of each loss (fastutil-core has no long-to-float map; 12 bytes an entry either way). */
    private final Long2IntOpenHashMap byId;

    ReferenceLosses(final String dataset, final long version, final Long2IntOpenHashMap byId) {
        this.dataset = dataset;
        this.version = version;
        this.byId = byId;
        byId.defaultReturnValue(Float.floatToRawIntBits(Float.NaN));
    }

    /** Losses from explicit columns (tests, and a table that is given them instead of reading them). */
    public static ReferenceLosses of(final String dataset, final long version, final long[] ids, final float[] losses) {
        final Long2IntOpenHashMap map = new Long2IntOpenHashMap(ids.length);
        for (int i = 0; i < ids.length; i++) {
            map.put(ids[i], Float.floatToRawIntBits(losses[i]));
        }
        return new ReferenceLosses(dataset, version, map);
    }

    public String dataset() {
        return dataset;
    }

    /** Grows by one with every change: a run re-applies the losses when it differs from what it applied. */
    public long version() {
        return version;
    }

    /** The sample's irreducible loss, NaN when none was published. */
    public float loss(final long sampleId) {
        return Float.intBitsToFloat(byId.get(sampleId));
    }

    /** A modifiable copy of the losses (float bits by sample id), for the reader's next version. */
    Long2IntOpenHashMap copy() {
        return new Long2IntOpenHashMap(byId);
    }
}
