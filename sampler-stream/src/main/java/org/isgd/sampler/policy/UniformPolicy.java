package org.isgd.sampler.policy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.isgd.sampler.sampling.Population;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * q_i = 1/N, weights 1, with replacement: the control arm every result is compared with. Also the
 * base of policies that keep nothing but the population ({@link RhoLossPolicy}).
 */
public class UniformPolicy implements SamplingPolicy {
    public static final String NAME = "uniform";
    public static final String PHASE = "uniform";
    public static final List<Param> PARAMS = List.of();
    final Population pool = new Population(1024);
    private final String name;
    final PolicyParams params;

    public UniformPolicy(final RunSpec spec) {
        this(NAME, PARAMS, spec); // uniform has no parameters: any given one is an error
    }

    UniformPolicy(final String name, final List<Param> declared, final RunSpec spec) {
        this.name = name;
        this.params = PolicyParams.of(name, declared, spec.getParams());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void put(final long sampleId, final int label, final SampleState state) {
        final int before = pool.size();
        final int slot = pool.put(sampleId, label);
        if (pool.size() > before) { // new, not a known sample's label change: put already looked it up
            admitted(slot);
        }
    }

    /** A sample joined the population. */
    void admitted(final int slot) {
    }

    @Override
    public void update(final long sampleId, final SampleState before, final SampleState after) {
        // every sample keeps mass 1
    }

    @Override
    public void reserve(final int expectedPopulation) {
        pool.reserve(expectedPopulation);
    }

    @Override
    public int population() {
        return pool.size();
    }

    @Override
    public int slotOf(final long sampleId) {
        return pool.slot(sampleId);
    }

    @Override
    public long idAt(final int slot) {
        return pool.idAt(slot);
    }

    @Override
    public long touch(final int slot) {
        return pool.labelAt(slot);
    }

    @Override
    public int labelAt(final int slot) {
        return pool.labelAt(slot);
    }

    @Override
    public int labelOf(final long sampleId) {
        final int slot = pool.slot(sampleId);
        return slot < 0 ? -1 : pool.labelAt(slot);
    }

    @Override
    public boolean shardable() {
        return true;
    }

    @Override
    public ShardedDraw.Plan plan(final long batchSeq, final int batchSize, final ShardedDraw.Totals totals) {
        return new ShardedDraw.Plan(PHASE, 0.0);
    }

    /** Uniform within the shard (r_s(i) = 1/N_s); the coordinator picks shards ∝ population, so q_i = 1/N overall. */
    @Override
    public Draw drawShard(final int count, final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                          final double proportional, final SplittableRandom random) {
        final Draw draw = uniform(count, pool.size(), random);
        return new Draw(draw.sampleIds(), draw.labels(), null, draw.probabilities(), PHASE);
    }

    /** Uniform's rule: every weight 1. */
    @Override
    public float weight(final double q, final int population) {
        return 1f;
    }

    @Override
    public Draw draw(final long batchSeq, final int batchSize, final SplittableRandom random) {
        return uniform(batchSize, pool.size(), random);
    }

    private Draw uniform(final int batchSize, final int population, final SplittableRandom random) {
        final long[] ids = new long[batchSize];
        final int[] labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            final int slot = random.nextInt(pool.size());
            ids[i] = pool.idAt(slot);
            labels[i] = pool.labelAt(slot);
        }
        final float[] weights = new float[batchSize];
        Arrays.fill(weights, 1f);
        final double[] probabilities = new double[batchSize];
        Arrays.fill(probabilities, 1.0 / population);
        return new Draw(ids, labels, weights, probabilities, PHASE);
    }
}
