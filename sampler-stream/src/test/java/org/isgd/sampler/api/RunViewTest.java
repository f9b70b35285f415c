package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.isgd.sampler.status.RunSnapshot;
import org.junit.jupiter.api.Test;

class RunViewTest {

    private static RunSnapshot snapshot(final double ess, final long staleness, final Map<String, Double> stats) {
        return new RunSnapshot("r1", "d", "upper-bound", "ACTIVE", "importance", 100, 5, new long[] {3},
                new long[] {1}, new long[] {30, 10, 0}, ess, staleness, stats, List.of(7L), 1000);
    }

    @Test
    void showsClassSharesTauAndStatistics() {
        final RunView view = RunView.of(snapshot(0.8, 120, Map.of("tau", 1.7, "tauThreshold", 1.5)), "h:1");
        assertEquals(0.75, view.classShares()[0], 1e-12);
        assertEquals(0.25, view.classShares()[1], 1e-12);
        assertEquals(1.7, view.tau());
        assertEquals(0.8, view.effectiveSampleSize());
        assertEquals(120L, view.stalenessMs());
        assertEquals("h:1", view.owner());
    }

    @Test
    void whatIsNotKnownYetIsNullNotNaN() {
        final RunView view = RunView.of(snapshot(Double.NaN, -1, Map.of("tau", Double.NaN)), "h:1");
        assertNull(view.effectiveSampleSize());
        assertNull(view.tau());
        assertNull(view.stalenessMs());
        assertTrue(view.policyStats().isEmpty());
        final String json = ApiResponse.ok(view).bodyText();
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"effectiveSampleSize\":null"), json);
    }
}
