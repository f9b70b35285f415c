package org.isgd.sampler.run;

import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;

/** Building an {@link IndexBatch}, the same whether one task drew it or a coordinator assembled it. */
public final class IndexBatches {
    private IndexBatches() {
    }

    public static IndexBatch of(final RunSpec spec, final long seq, final int worldSize, final long[] sampleIds,
                                final float[] weights, final double[] probabilities, final String phase, final long now) {
        return batch(spec, seq, worldSize, sampleIds, weights, probabilities, phase, now).toRecord();
    }

    /** The batch as arrays, ready for {@link IndexBatchCodec#encode}. */
    public static IndexBatchCodec.Batch batch(final RunSpec spec, final long seq, final int worldSize,
                                              final long[] sampleIds, final float[] weights,
                                              final double[] probabilities, final String phase, final long now) {
        return new IndexBatchCodec.Batch(spec.getRunId(), seq, (int) (seq % worldSize), sampleIds, weights,
                probabilities, spec.getPolicy(), phase, now);
    }

    /** (Σw)²/Σw² / n: 1 when all weights are equal, small when a few samples carry the batch. */
    public static double effectiveSampleSize(final float[] weights) {
        double sum = 0;
        double squares = 0;
        for (final float w : weights) {
            sum += w;
            squares += (double) w * w;
        }
        return squares == 0 ? 0 : sum * sum / squares / weights.length;
    }

}
