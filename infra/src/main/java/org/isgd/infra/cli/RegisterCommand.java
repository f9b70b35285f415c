package org.isgd.infra.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd register}: adds labelled samples to the population of every run on their dataset. */
@Command(name = "register", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Publish a SampleRegistered on isgd.samples for every training sample of a dataset.")
final class RegisterCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--dataset", defaultValue = SampleRegistration.FASHION_MNIST,
            description = "Dataset to register; supported: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--limit", description = "Register only the first N training samples. Default: all.")
    Integer limit;

    @Override
    public Integer call() {
        if (!SampleRegistration.FASHION_MNIST.equals(dataset)) {
            throw new UsageException("unsupported dataset '" + dataset + "'; supported: " + SampleRegistration.FASHION_MNIST);
        }
        if (limit != null && limit <= 0) {
            throw new UsageException("--limit must be > 0");
        }
        kafka.requireReachable();
        final int[] labels = SampleRegistration.trainLabels(DataSetup.ensureFashionMnist(false),
                limit == null ? Integer.MAX_VALUE : limit);
        final int n = SampleRegistration.register(kafka.clientProperties(), dataset, labels);
        System.out.printf("registered %d samples of %s on isgd.samples; 'run create --min-population %d' starts a run "
                + "on all of them%n", n, dataset, n);
        return 0;
    }
}
