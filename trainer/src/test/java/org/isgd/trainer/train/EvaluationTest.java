package org.isgd.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EvaluationTest {
    @Test
    void balancedAccuracyAveragesThePresentClasses() {
        // Class 0: 3 of 4 right; class 1: 0 of 1; class 2 absent.
        final Evaluation e = Evaluation.of(7, new int[] {0, 0, 0, 0, 1}, new int[] {0, 0, 0, 1, 0}, 3, 0.5);
        assertEquals(0.6, e.testAccuracy(), 1e-12);
        assertEquals(0.75, e.perClassAccuracy()[0], 1e-12);
        assertEquals(0.0, e.perClassAccuracy()[1], 1e-12);
        assertTrue(Double.isNaN(e.perClassAccuracy()[2]));
        assertEquals(0.375, e.balancedAccuracy(), 1e-12);
        assertEquals(7, e.step());
    }
}
