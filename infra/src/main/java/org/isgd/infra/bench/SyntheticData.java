package org.isgd.infra.bench;

import java.util.SplittableRandom;
import org.isgd.schemas.SamplePrediction;

/**
 * The sampler benchmark's synthetic dataset: sample i has label i mod 10, and a prediction for it
 * carries made-up but valid numbers (what a 10-class softmax could give), so the sampler does all
 * the work a real one costs: validation, state update, sum-tree update.
 */
final class SyntheticData {
    static final int CLASSES = 10;
    static final String TRAINER_ID = "bench";

    private SyntheticData() {
    }

    static int label(final long sampleId) {
        return (int) (sampleId % CLASSES);
    }

    static int[] labels(final int n) {
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = label(i);
        }
        return labels;
    }

    /**
     * @param position index in its batch, or any number that grows within one batchSeq: the sampler
     *     takes a same-batch prediction with a position at or below the last one it applied for a
     *     redelivery
     */
    static SamplePrediction prediction(final String runId, final long sampleId, final long batchSeq, final int position,
                                       final SplittableRandom random) {
        final int label = label(sampleId);
        final float pCorrect = (float) random.nextDouble(0.01, 1.0);
        final boolean right = pCorrect > 0.5f;
        return SamplePrediction.newBuilder()
                .setRunId(runId)
                .setSampleId(sampleId)
                .setBatchSeq(batchSeq)
                .setStep(batchSeq)
                .setLabel(label)
                .setPCorrect(pCorrect)
                .setLoss((float) -Math.log(pCorrect))
                .setGradNormBound((float) (Math.sqrt(2) * (1 - pCorrect)))
                .setPredicted(right ? label : (label + 1) % CLASSES)
                .setTrainerId(TRAINER_ID)
                .setPosition(position)
                .setTimestamp(System.currentTimeMillis())
                .build();
    }
}
