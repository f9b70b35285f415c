package org.isgd.trainer.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * Test-set accuracy after {@code step} steps.
 *
 * @param perClassAccuracy accuracy within each true class; NaN for a class absent from the test set
 * @param balancedAccuracy mean of the per-class accuracies of the classes present
 * @param trainLoss mean weighted train loss over the steps since the previous evaluation
 */
public record Evaluation(long step, double testAccuracy, double[] perClassAccuracy, double balancedAccuracy,
                         double trainLoss) {

    /** Scores {@code predicted} against {@code labels}. */
    public static Evaluation of(final long step, final int[] labels, final int[] predicted, final int numClasses,
                                final double trainLoss) {
        if (labels.length != predicted.length || labels.length == 0) {
            throw new IllegalArgumentException("cannot score " + predicted.length + " predictions against "
                    + labels.length + " labels");
        }
        final long[] total = new long[numClasses];
        final long[] correct = new long[numClasses];
        long allCorrect = 0;
        for (int i = 0; i < labels.length; i++) {
            total[labels[i]]++;
            if (labels[i] == predicted[i]) {
                correct[labels[i]]++;
                allCorrect++;
            }
        }
        final double[] perClass = new double[numClasses];
        double sum = 0;
        int present = 0;
        for (int c = 0; c < numClasses; c++) {
            perClass[c] = total[c] == 0 ? Double.NaN : (double) correct[c] / total[c];
            if (total[c] > 0) {
                sum += perClass[c];
                present++;
            }
        }
        return new Evaluation(step, (double) allCorrect / labels.length, perClass, sum / present, trainLoss);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Evaluation[step=%d, testAccuracy=%.4f, balancedAccuracy=%.4f, "
                + "trainLoss=%.4f, perClass=%s]", step, testAccuracy, balancedAccuracy, trainLoss,
                Arrays.toString(perClassAccuracy));
    }
}
