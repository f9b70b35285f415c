package org.isgd.sampler.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecentQuantilesTest {
    @Test
    void ranksComeFromTheLastCompleteWindowExactly() {
        final RecentQuantiles recent = new RecentQuantiles(1000);
        assertTrue(recent.isEmpty());
        for (int i = 0; i < 500; i++) {
            recent.update(i);
        }
        assertEquals(0.5, recent.rank(249), 1e-12); // the window so far: 0..499
        for (int i = 500; i < 1000; i++) {
            recent.update(i);
        }
        assertEquals(0.25, recent.rank(249), 1e-12); // the complete window 0..999
        assertEquals(499, recent.quantile(0.5), 1e-9);
        for (int i = 0; i < 999; i++) {
            recent.update(5000 + i); // filling the next window changes nothing yet
        }
        assertEquals(0.25, recent.rank(249), 1e-12);
        recent.update(5999);
        assertEquals(0.0, recent.rank(249), 0.0); // now only 5000..5999 count
        assertEquals(0.5, recent.rank(5499), 1e-12);
    }

    @Test
    void theLargestWindowStaysExact() {
        final RecentQuantiles recent = new RecentQuantiles(RecentQuantiles.MAX_WINDOW);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < RecentQuantiles.MAX_WINDOW; i++) {
            recent.update(random.nextDouble());
        }
        assertTrue(recent.exact());
        assertThrows(IllegalArgumentException.class, () -> new RecentQuantiles(RecentQuantiles.MAX_WINDOW + 1));
    }
}
