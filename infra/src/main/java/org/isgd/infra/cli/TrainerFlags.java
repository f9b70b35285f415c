package org.isgd.infra.cli;

import java.time.Duration;
import org.isgd.infra.common.UsageException;
import org.isgd.trainer.model.Models;
import org.isgd.trainer.train.TrainerOptions;
import picocli.CommandLine.Option;

/** Model and optimisation flags, shared by train and demo, with the trainer's defaults. */
final class TrainerFlags {
    @Option(names = "--model", defaultValue = TrainerOptions.DEFAULT_MODEL, description = "Model: cnn or tiny.")
    String model;
    @Option(names = "--lr", defaultValue = "" + TrainerOptions.DEFAULT_LEARNING_RATE, description = "Adam learning rate.")
    float learningRate;
    @Option(names = "--train-seed", defaultValue = "" + TrainerOptions.DEFAULT_SEED,
            description = "Seed of the model's initialisation and augmentation.")
    long seed;
    @Option(names = "--augment", defaultValue = "standard",
            description = "Augmentation: standard (random crop with padding + horizontal flip), none, mixup "
                    + "(standard, then mixup with alpha 1.0) or ricap (standard, then RICAP with beta 0.3).")
    String augment;
    @Option(names = "--eval-every", defaultValue = "" + TrainerOptions.DEFAULT_EVAL_EVERY,
            description = "Evaluate on the test set every N steps (and at the end).")
    int evalEvery;
    @Option(names = "--batch-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "Give up when no batch arrives for this long (e.g. 30s, 2m).")
    Duration batchTimeout;

    TrainerOptions toOptions(final long maxBatches) {
        return toOptions(maxBatches, seed, augment, evalEvery);
    }

    /** These flags with another seed, augmentation and evaluation interval, as a benchmark's runs each set them. */
    TrainerOptions toOptions(final long maxBatches, final long seed, final String augment, final int evalEvery) {
        if (!Models.NAMES.contains(model)) {
            throw new UsageException("unknown --model '" + model + "'; choose one of " + Models.NAMES);
        }
        try {
            return TrainerOptions.builder().model(model).learningRate(learningRate).seed(seed).augment(augment)
                    .evalEvery(evalEvery).maxBatches(maxBatches).batchTimeout(batchTimeout).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** "30s", "2m", "1h" or ISO-8601 ("PT30S"). */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(final String value) {
            final String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.startsWith("pt")) {
                return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
            }
            final long amount = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                default -> throw new IllegalArgumentException("use a number with s, m or h, e.g. 30s");
            };
        }
    }
}
