package org.isgd.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchOutcomeTest {
    @Test
    void derivesEveryFigureFromTheLogProbabilities() {
        final float[] logp = new float[20];
        Arrays.fill(logp, 0, 10, (float) Math.log(0.1));
        // Second sample: all mass on class 2.
        Arrays.fill(logp, 10, 20, -100f);
        logp[12] = 0f;
        final BatchOutcome outcome = BatchOutcome.fromLogProbabilities(logp, 10, new int[] {4, 2}, new float[] {2f, 1f});
        assertEquals(0.1f, outcome.pCorrect()[0], 1e-6);
        assertEquals((float) Math.log(10), outcome.loss()[0], 1e-5);
        assertEquals((float) Math.sqrt(0.81 + 9 * 0.01), outcome.gradNormBound()[0], 1e-5);
        assertEquals(1f, outcome.pCorrect()[1], 1e-6);
        assertEquals(0f, outcome.gradNormBound()[1], 1e-6);
        assertArrayEquals(new int[] {0, 2}, outcome.predicted());
        assertEquals((2 * Math.log(10) + 0) / 2, outcome.trainLoss(), 1e-5);
    }
}
