package org.isgd.trainer;

import java.util.Locale;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingListener;
import org.isgd.trainer.train.TrainingLoop;
import org.isgd.trainer.train.TrainingResult;

/**
 * Manual check, not a test: one epoch of the cnn on full Fashion-MNIST with the in-process uniform
 * sampler, printing images/s and test accuracy. Args: [model] [batchSize] [epochs] [augment].
 */
public final class LocalTrainingCheck {
    private LocalTrainingCheck() {
    }

    public static void main(final String[] args) {
        System.setProperty("ai.djl.offline", "true");
        final String model = args.length > 0 ? args[0] : "cnn";
        final int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        final int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        final String augment = args.length > 3 ? args[3] : "standard";
        final FashionMnist.Split data = FashionMnist.load(DatasetLocator.fromEnvironment().locate());
        final long batches = epochs * LocalUniformSource.batchesPerEpoch(data.train().size(), batchSize);
        final TrainerOptions options = TrainerOptions.builder().model(model).augment(augment).seed(1).build();
        final TrainingResult result;
        try (LocalUniformSource source = new LocalUniformSource("local", data.train().size(), batchSize, 1, batches)) {
            result = new TrainingLoop(options, data.train(), data.test()).run(source, PredictionSink.NONE,
                    new TrainingListener() {
                        @Override
                        public void onEvaluation(final org.isgd.trainer.train.Evaluation evaluation) {
                            System.out.println(evaluation);
                        }
                    });
        }
        System.out.printf(Locale.ROOT, "model=%s augment=%s batch=%d steps=%d images=%d seconds=%.1f images/s=%.0f "
                        + "testAccuracy=%.4f balancedAccuracy=%.4f%n", model, augment, batchSize, result.steps(),
                result.images(), result.seconds(), result.imagesPerSecond(), result.finalEvaluation().testAccuracy(),
                result.finalEvaluation().balancedAccuracy());
    }
}
