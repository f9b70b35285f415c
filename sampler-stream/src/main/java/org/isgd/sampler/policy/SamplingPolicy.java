package org.isgd.sampler.policy;

import org.isgd.sampler.store.SampleState;

/**
 * How a run turns what trainers report into sampling masses. One implementation per method;
 * the batch emitter draws from the masses and derives the unbiased weights, so a policy only
 * says how much each sample should be drawn, and in which phase the run is.
 */
public interface SamplingPolicy {

    /** The name used in {@code RunSpec.policy}. */
    String name();

    /** Mass of a sample nobody has reported on yet (new samples should be seen soon). */
    double unseenMass();

    /** Mass of a sample after its latest prediction. */
    double mass(SampleState state);

    /** The phase batch {@code batchSeq} is drawn in, reported on the batch (e.g. warmup, importance). */
    String phase(long batchSeq);

    /** Largest weight 1/(N q) handed to a trainer; clipping bounds the variance of rare draws. */
    double maxWeight();
}
