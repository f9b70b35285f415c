package org.isgd.sampler.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EpochQueueTest {
    @Test
    void anEpochServesNewcomersFirstAndEveryOtherSlotOnce() {
        final EpochQueue queue = new EpochQueue();
        queue.admit(99); // no pass under way: nothing to do
        assertTrue(queue.isEmpty());
        queue.start(new int[] {0, 1, 2, 3, 4, 5}, 5, new SplittableRandom(2));
        final int first = queue.poll();
        queue.admit(7);
        assertEquals(7, queue.poll());
        int seen = 1 << first;
        while (!queue.isEmpty()) {
            seen |= 1 << queue.poll();
        }
        assertEquals(0b11111, seen);
    }
}
