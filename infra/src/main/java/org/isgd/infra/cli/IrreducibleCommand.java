package org.isgd.infra.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.IrreducibleLoss;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.topics.TopicSetup;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.data.LabelledImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd irreducible}: RHO-LOSS's reference model, trained on a holdout, scores the training samples. */
@Command(name = "irreducible", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Train a reference model on held-out training images and publish, on isgd.irreducible-losses, "
                + "each training sample's loss under it: the irreducible losses that trainers of rho-loss runs "
                + "subtract from their fresh losses (Mindermann et al. 2022, RHO-LOSS), and that the sampler's noise "
                + "guards read to flag samples the reference model says are mislabelled (run parameter referenceP).",
            "Samples 0..N-1 of the dataset (N = --holdout-from) are scored; the reference model trains on the "
                + "--holdout images after them, which the runs must not register (register with --limit N)."})
final class IrreducibleCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;
    @Mixin
    TrainerFlags flags;

    @Option(names = "--dataset", defaultValue = SampleRegistration.FASHION_MNIST,
            description = "Dataset whose samples get irreducible losses; supported: ${DEFAULT-VALUE}.")
    String dataset;
    @Option(names = "--holdout-from", defaultValue = "50000", paramLabel = "N",
            description = "The training samples are ids 0..N-1; the holdout starts at N.")
    int holdoutFrom;
    @Option(names = "--holdout", defaultValue = "10000", paramLabel = "M", description = "Held-out images the "
            + "reference model trains on: ids N..N+M-1. Its losses are worth what it knows: under 20%% label noise "
            + "rho-loss lost 1.7 points with 10,000 held-out images beside 20,000 trained ones and tied uniform with "
            + "20,000 (docs/results/presample); hold out as many as you can, up to as many as you train on.")
    int holdoutSize;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of the reference model over the holdout.")
    double epochs;
    @Option(names = "--batch-size", defaultValue = "128", description = "The reference model's batch size.")
    int batchSize;

    @Override
    public Integer call() {
        if (!SampleRegistration.FASHION_MNIST.equals(dataset)) {
            throw new UsageException("unsupported dataset '" + dataset + "'; supported: " + SampleRegistration.FASHION_MNIST);
        }
        if (holdoutFrom < 1 || holdoutSize < 1 || holdoutFrom + (long) holdoutSize > FashionMnist.TRAIN_SIZE
                || !(epochs > 0) || batchSize < 1) {
            throw new UsageException("need --holdout-from >= 1 and --holdout >= 1 with their sum at most "
                    + FashionMnist.TRAIN_SIZE + ", --epochs > 0 and --batch-size >= 1");
        }
        kafka.requireReachable();
        TopicSetup.ensureTopics(kafka.clientProperties());
        final LabelledImages all = FashionMnist.load(DataSetup.ensureFashionMnist(false), holdoutFrom + holdoutSize, 1)
                .train();
        final LabelledImages train = IrreducibleLoss.slice(all, 0, holdoutFrom);
        final LabelledImages holdout = IrreducibleLoss.slice(all, holdoutFrom, holdoutSize);
        System.out.printf(Locale.ROOT, "training the reference model on samples %d..%d (%.1f epochs), then scoring "
                + "samples 0..%d%n", holdoutFrom, holdoutFrom + holdoutSize - 1, epochs, holdoutFrom - 1);
        final long t0 = System.nanoTime();
        final float[] losses = IrreducibleLoss.losses(flags.toOptions(1), holdout, train, batchSize, epochs);
        IrreducibleLoss.publish(kafka.bootstrapServers(), kafka.clientPropertiesWithoutBootstrap(), dataset,
                flags.model + " on samples " + holdoutFrom + ".." + (holdoutFrom + holdoutSize - 1) + ", " + epochs
                        + " epochs", losses);
        double mean = 0;
        for (final float l : losses) {
            mean += l / losses.length;
        }
        System.out.printf(Locale.ROOT, "published %d irreducible losses of %s on isgd.irreducible-losses (mean %.3f) "
                + "in %.1f s; rho-loss runs and the noise guards use them%n", losses.length, dataset, mean,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
