package org.isgd.sampler.policy;

import java.util.Map;
import org.isgd.sampler.store.SampleState;

/** q_i = 1/N, weights 1: the control arm every result is compared with. */
public final class UniformPolicy implements SamplingPolicy {
    public static final String NAME = "uniform";
    private final double maxWeight;

    public UniformPolicy(final Map<String, Double> params) {
        this.maxWeight = Policies.param(params, "maxWeight", 10.0);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double unseenMass() {
        return 1.0;
    }

    @Override
    public double mass(final SampleState state) {
        return 1.0;
    }

    @Override
    public String phase(final long batchSeq) {
        return "uniform";
    }

    @Override
    public double maxWeight() {
        return maxWeight;
    }
}
