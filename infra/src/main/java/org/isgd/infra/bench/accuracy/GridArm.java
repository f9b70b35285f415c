package org.isgd.infra.bench.accuracy;

/**
 * One compared arm of the accuracy grid.
 *
 * @param name as shown in tables and plots, e.g. {@code early-importance} or {@code uniform (local)}
 * @param policy the sampling policy (the local arms are uniform)
 * @param feed {@link #KAFKA}: batches drawn by the sampler, fed through the broker; {@link #LOCAL}:
 *     the trainer's in-process uniform loader
 * @param augment the trainer's augmentation mode for this arm
 * @param presample candidates per trained sample (the run parameter {@code presample}); 1 for none
 */
public record GridArm(String name, String policy, String feed, String augment, int presample) {
    public GridArm(final String name, final String policy, final String feed, final String augment) {
        this(name, policy, feed, augment, 1);
    }

    /** The arm of a policy with candidate batches of k·B: named e.g. {@code upper-bound presample=4}. */
    public static GridArm presampled(final String policy, final int k, final String augment) {
        return new GridArm(policy + " presample=" + k, policy, KAFKA, augment, k);
    }

    public static final String KAFKA = "kafka";
    public static final String LOCAL = "local";
    public static final String UNIFORM = "uniform";
    public static final String UNIFORM_LOCAL = "uniform (local)";
    /** Arazo et al.'s strong baseline: uniform with stronger augmentation. */
    public static final String UNIFORM_STRONG_AUGMENT = "uniform+aug (local)";

    public boolean throughKafka() {
        return KAFKA.equals(feed);
    }
}
