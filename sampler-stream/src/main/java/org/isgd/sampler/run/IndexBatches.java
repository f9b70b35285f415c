package org.isgd.sampler.run;

import java.util.List;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;

/** Building an {@link IndexBatch}, the same whether one task drew it or a coordinator assembled it. */
public final class IndexBatches {
    private IndexBatches() {
    }

    public static IndexBatch of(final RunSpec spec, final long seq, final int worldSize, final long[] sampleIds,
                         final float[] weights, final double[] probabilities, final String phase, final long now) {
        return IndexBatch.newBuilder()
                .setRunId(spec.getRunId())
                .setBatchSeq(seq)
                .setRank((int) (seq % worldSize))
                .setSampleIds(java.util.Arrays.stream(sampleIds).boxed().toList())
                .setWeights(boxed(weights))
                .setProbabilities(java.util.Arrays.stream(probabilities).boxed().toList())
                .setPolicy(spec.getPolicy())
                .setPhase(phase)
                .setCreatedAt(now)
                .build();
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

    private static List<Float> boxed(final float[] values) {
        final Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return List.of(boxed);
    }
}
