package org.isgd.trainer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.isgd.trainer.train.TrainingBatch;
import org.junit.jupiter.api.Test;

class LocalUniformSourceTest {
    private static final Duration ANY = Duration.ofSeconds(1);

    @Test
    void coversEverySampleExactlyOncePerEpoch() {
        final int size = 1000;
        final int batch = 64;
        final long perEpoch = LocalUniformSource.batchesPerEpoch(size, batch);
        assertEquals(16, perEpoch);
        final List<List<Long>> epochs = new ArrayList<>();
        try (LocalUniformSource source = new LocalUniformSource("run", size, batch, 42, 3 * perEpoch)) {
            for (int epoch = 0; epoch < 3; epoch++) {
                final int[] seen = new int[size];
                final List<Long> order = new ArrayList<>();
                for (int b = 0; b < perEpoch; b++) {
                    final TrainingBatch next = source.next(ANY).orElseThrow();
                    assertEquals(epoch * perEpoch + b, next.batchSeq());
                    assertEquals(b < perEpoch - 1 ? batch : size - 15 * batch, next.size());
                    for (int i = 0; i < next.size(); i++) {
                        seen[(int) next.sampleIds()[i]]++;
                        order.add(next.sampleIds()[i]);
                        assertEquals(1f, next.weights()[i]);
                    }
                    assertEquals("uniform", next.policy());
                    assertEquals("uniform", next.phase());
                }
                for (int id = 0; id < size; id++) {
                    assertEquals(1, seen[id], "sample " + id + " in epoch " + epoch);
                }
                epochs.add(order);
            }
            assertEquals(Optional.empty(), source.next(ANY), "source must stop after maxBatches");
        }
        assertNotEquals(epochs.get(0), epochs.get(1), "each epoch needs a fresh permutation");
    }

    @Test
    void sameSeedSameBatches() {
        try (LocalUniformSource a = new LocalUniformSource("r", 100, 10, 5, 20);
             LocalUniformSource b = new LocalUniformSource("r", 100, 10, 5, 20);
             LocalUniformSource c = new LocalUniformSource("r", 100, 10, 6, 20)) {
            boolean differs = false;
            for (int i = 0; i < 20; i++) {
                final long[] ids = a.next(ANY).orElseThrow().sampleIds();
                assertTrue(Arrays.equals(ids, b.next(ANY).orElseThrow().sampleIds()));
                differs |= !Arrays.equals(ids, c.next(ANY).orElseThrow().sampleIds());
            }
            assertTrue(differs);
        }
    }
}
