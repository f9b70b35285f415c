package org.isgd.sampler.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PopulationTest {
    @Test
    void findsEverySampleByIdThroughGrowthAndRelabelling() {
        final SplittableRandom random = new SplittableRandom(9);
        final Population population = new Population(4); // grows and rehashes many times
        final Map<Long, Integer> slots = new HashMap<>();
        for (int i = 0; i < 50_000; i++) {
            // dense ids, huge ids and ids that differ only in high bits, to stress the hash
            final long id = switch (i % 3) {
                case 0 -> i;
                case 1 -> random.nextLong(Long.MAX_VALUE);
                default -> ((long) i << 40) | 7;
            };
            final int slot = population.put(id, (int) (id % 10));
            slots.putIfAbsent(id, slot);
            assertEquals(slots.get(id), slot);
        }
        assertEquals(slots.size(), population.size());
        slots.forEach((id, slot) -> {
            assertEquals(slot, population.slot(id));
            assertEquals(id, population.idAt(slot));
        });
        assertEquals(-1, population.slot(-5));
        final long first = population.idAt(0);
        assertEquals(0, population.put(first, 3), "a known sample keeps its slot");
        assertEquals(3, population.labelAt(0), "and takes the new label");
    }

    @Test
    void reservingUpFrontKeepsSlotsAndLookups() {
        final Population population = new Population(16);
        for (long id = 0; id < 100; id++) {
            population.put(id * 31, 1);
        }
        population.reserve(1_000_000);
        for (long id = 0; id < 100; id++) {
            assertEquals(id, population.slot(id * 31));
        }
        assertEquals(100, population.put(5, 2));
    }
}
