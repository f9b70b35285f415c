package org.isgd.trainer.train;

/**
 * What one training step's forward pass found for each sample of its batch, index-aligned with
 * {@link TrainingBatch#sampleIds()}. Every per-sample field is about the sample itself with its
 * true label: it comes from the forward pass the gradient was taken on, or, with mixup or RICAP
 * (where the optimizer saw blends), from a forward pass over the un-mixed images with the same
 * parameters.
 *
 * @param pCorrect softmax probability of the true class, in [0, 1]
 * @param loss cross-entropy of each sample, before weighting
 * @param gradNormBound {@code ||softmax(z) - onehot(y)||_2}, the last-layer gradient-norm bound
 * @param predicted argmax class
 * @param labels true class
 * @param trainLoss the batch's loss as optimised: mean over the batch of weight × loss (with mixup
 *     or RICAP, of weight × the mixed loss)
 * @param trained for a candidate batch, whether the step trained each row (the rest were scored
 *     only); null when every row was trained
 */
public record BatchOutcome(float[] pCorrect, float[] loss, float[] gradNormBound, int[] predicted, int[] labels,
                           float trainLoss, boolean[] trained) {
    public BatchOutcome(final float[] pCorrect, final float[] loss, final float[] gradNormBound, final int[] predicted,
                        final int[] labels, final float trainLoss) {
        this(pCorrect, loss, gradNormBound, predicted, labels, trainLoss, null);
    }

    public int size() {
        return labels.length;
    }

    /** This outcome with {@code trainLoss} replaced (by the mixed loss, for mixup and RICAP). */
    public BatchOutcome withTrainLoss(final float value) {
        return new BatchOutcome(pCorrect, loss, gradNormBound, predicted, labels, value, trained);
    }

    /** A candidate batch's scores with the loss its step optimised and which rows it trained. */
    public BatchOutcome selected(final float value, final boolean[] rows) {
        return new BatchOutcome(pCorrect, loss, gradNormBound, predicted, labels, value, rows.clone());
    }

    /**
     * Derives every per-sample figure from the row-major {@code (B, classes)} log-softmax of one
     * forward pass; the loss is {@code -logp[y]}, so it agrees with {@code pCorrect} exactly.
     */
    public static BatchOutcome fromLogProbabilities(final float[] logp, final int classes, final int[] labels,
                                                    final float[] weights) {
        final int size = labels.length;
        final float[] pCorrect = new float[size];
        final float[] loss = new float[size];
        final float[] gradNormBound = new float[size];
        final int[] predicted = new int[size];
        double weightedSum = 0;
        for (int i = 0; i < size; i++) {
            final int row = i * classes;
            double squares = 0;
            int best = 0;
            for (int c = 0; c < classes; c++) {
                final double p = Math.exp(logp[row + c]);
                final double diff = c == labels[i] ? p - 1 : p;
                squares += diff * diff;
                if (logp[row + c] > logp[row + best]) {
                    best = c;
                }
            }
            loss[i] = -logp[row + labels[i]];
            pCorrect[i] = (float) Math.min(1.0, Math.exp(logp[row + labels[i]]));
            gradNormBound[i] = (float) Math.sqrt(squares);
            predicted[i] = best;
            weightedSum += (double) weights[i] * loss[i];
        }
        return new BatchOutcome(pCorrect, loss, gradNormBound, predicted, labels.clone(), (float) (weightedSum / size));
    }
}
