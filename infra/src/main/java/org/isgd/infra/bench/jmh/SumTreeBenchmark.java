package org.isgd.infra.bench.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.isgd.sampler.sampling.SumTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The sampler's sum tree at the population sizes of the scale-out targets: one mass update and
 * one proportional draw, each O(log N). Random slots and masses come from a pre-filled ring so the
 * generator's cost stays out of the measurement.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SumTreeBenchmark {
    private static final int RING = 1 << 16;

    @Param({"1000000", "10000000"})
    public int size;

    private SumTree tree;
    private int[] slots;
    private double[] values;
    private int cursor;

    @Setup(Level.Trial)
    public void fill() {
        final SplittableRandom random = new SplittableRandom(42);
        tree = new SumTree(size);
        for (int i = 0; i < size; i++) {
            tree.add(random.nextDouble());
        }
        slots = new int[RING];
        values = new double[RING];
        for (int i = 0; i < RING; i++) {
            slots[i] = random.nextInt(size);
            values[i] = random.nextDouble();
        }
    }

    @Benchmark
    public void update() {
        final int i = cursor++ & (RING - 1);
        tree.set(slots[i], values[i]);
    }

    @Benchmark
    public int draw() {
        final int i = cursor++ & (RING - 1);
        return tree.draw(values[i] * tree.total());
    }
}
