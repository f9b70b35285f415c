package org.isgd.contract;

import java.nio.charset.StandardCharsets;
import org.isgd.schemas.IrreducibleLosses;

/**
 * One record of {@code isgd.irreducible-losses}, decoded and checked: what the sampler's noise
 * guards and rho-loss trainers read alike.
 *
 * @param dataset the dataset the sample ids belong to (the record's key)
 * @param sampleIds the samples
 * @param losses each sample's cross-entropy under the reference model, finite and ≥ 0
 */
public record IrreducibleLossRows(String dataset, long[] sampleIds, float[] losses) {
    /** The most rows one record may hold. */
    public static final int MAX_ROWS = 65_536;

    /**
     * Decodes a record's key and value.
     *
     * @throws IllegalArgumentException (or Avro's decoding error) with what is wrong: not an
     *     {@code IrreducibleLosses}, a count outside 1..{@value #MAX_ROWS}, a column of the wrong length, a
     *     negative or non-finite loss, a key that is not the record's dataset
     */
    public static IrreducibleLossRows decode(final byte[] key, final byte[] value) {
        final IrreducibleLosses record = Topics.IRREDUCIBLE_LOSSES.valueSerde().deserializer()
                .deserialize(Topics.IRREDUCIBLE_LOSSES.name(), value);
        if (record.getCount() < 1 || record.getCount() > MAX_ROWS) {
            throw new IllegalArgumentException("count " + record.getCount() + " is outside 1.." + MAX_ROWS);
        }
        final String dataset = key == null ? null : new String(key, StandardCharsets.UTF_8);
        if (!record.getDataset().equals(dataset)) {
            throw new IllegalArgumentException("key '" + dataset + "' is not the record's dataset '"
                    + record.getDataset() + "'");
        }
        final long[] ids = Columns.longs("sampleIds", record.getSampleIds(), record.getCount());
        final float[] losses = Columns.floats("losses", record.getLosses(), record.getCount());
        for (int i = 0; i < losses.length; i++) {
            if (!Float.isFinite(losses[i]) || losses[i] < 0) {
                throw new IllegalArgumentException("losses[" + i + "] = " + losses[i] + " (sample " + ids[i]
                        + ") is not a finite value ≥ 0");
            }
        }
        return new IrreducibleLossRows(dataset, ids, losses);
    }
}
