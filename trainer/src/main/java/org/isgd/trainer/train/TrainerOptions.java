package org.isgd.trainer.train;

import java.nio.file.Path;
import java.time.Duration;
import org.isgd.trainer.data.Augmenter;
import org.isgd.trainer.model.Models;

/**
 * How to train. Defaults (see {@link #builder()}): model {@code cnn}, Adam with learning rate
 * 1e-3, seed 0, augmentation {@code standard}, evaluation every 200 steps, no batch limit, 60 s
 * batch timeout, evaluation batches of 1000 images, a checkpoint every 100 steps but no checkpoint
 * directory (so no checkpoints).
 *
 * @param model {@code cnn} or {@code tiny}
 * @param maxBatches stop once the run's step count (this rank's batches, including those trained
 *     before a resume) reaches this
 * @param batchTimeout how long to wait for one batch before failing
 * @param checkpointEvery save a checkpoint every this many steps and at the end; 0 = never
 * @param checkpointDir where checkpoints are saved and resumed from; null = no checkpoints
 */
public record TrainerOptions(String model, float learningRate, long seed, Augmenter.Mode augment, int evalEvery,
                             long maxBatches, Duration batchTimeout, int evalBatchSize, int checkpointEvery,
                             Path checkpointDir) {
    public static final String DEFAULT_MODEL = Models.CNN;
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    public static final long DEFAULT_SEED = 0;
    public static final Augmenter.Mode DEFAULT_AUGMENT = Augmenter.Mode.STANDARD;
    public static final int DEFAULT_EVAL_EVERY = 200;
    public static final long DEFAULT_MAX_BATCHES = Long.MAX_VALUE;
    public static final Duration DEFAULT_BATCH_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_EVAL_BATCH_SIZE = 1000;
    public static final int DEFAULT_CHECKPOINT_EVERY = 100;

    public TrainerOptions {
        if (!Models.NAMES.contains(model)) {
            throw new IllegalArgumentException("unknown model '" + model + "'; choose one of " + Models.NAMES);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        if (evalEvery <= 0 || maxBatches <= 0 || evalBatchSize <= 0) {
            throw new IllegalArgumentException("evalEvery (" + evalEvery + "), maxBatches (" + maxBatches
                    + ") and evalBatchSize (" + evalBatchSize + ") must be positive");
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0 (0 = never), got " + checkpointEvery);
        }
        if (batchTimeout.isNegative() || batchTimeout.isZero()) {
            throw new IllegalArgumentException("batch timeout must be positive, got " + batchTimeout);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static TrainerOptions defaults() {
        return builder().build();
    }

    /** Builds {@link TrainerOptions}; every field starts at its documented default. */
    public static final class Builder {
        private String model = DEFAULT_MODEL;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private long seed = DEFAULT_SEED;
        private Augmenter.Mode augment = DEFAULT_AUGMENT;
        private int evalEvery = DEFAULT_EVAL_EVERY;
        private long maxBatches = DEFAULT_MAX_BATCHES;
        private Duration batchTimeout = DEFAULT_BATCH_TIMEOUT;
        private int evalBatchSize = DEFAULT_EVAL_BATCH_SIZE;
        private int checkpointEvery = DEFAULT_CHECKPOINT_EVERY;
        private Path checkpointDir;

        private Builder() {
        }

        public Builder model(final String value) {
            this.model = value;
            return this;
        }

        public Builder learningRate(final float value) {
            this.learningRate = value;
            return this;
        }

        public Builder seed(final long value) {
            this.seed = value;
            return this;
        }

        public Builder augment(final Augmenter.Mode value) {
            this.augment = value;
            return this;
        }

        /** {@code standard}, {@code none}, {@code mixup} or {@code ricap}. */
        public Builder augment(final String value) {
            return augment(Augmenter.Mode.parse(value));
        }

        public Builder evalEvery(final int value) {
            this.evalEvery = value;
            return this;
        }

        public Builder maxBatches(final long value) {
            this.maxBatches = value;
            return this;
        }

        public Builder batchTimeout(final Duration value) {
            this.batchTimeout = value;
            return this;
        }

        public Builder evalBatchSize(final int value) {
            this.evalBatchSize = value;
            return this;
        }

        public Builder checkpointEvery(final int value) {
            this.checkpointEvery = value;
            return this;
        }

        /** Where to save checkpoints and resume from; null (the default) = no checkpoints. */
        public Builder checkpointDir(final Path value) {
            this.checkpointDir = value;
            return this;
        }

        public TrainerOptions build() {
            return new TrainerOptions(model, learningRate, seed, augment, evalEvery, maxBatches, batchTimeout,
                    evalBatchSize, checkpointEvery, checkpointDir);
        }
    }
}
