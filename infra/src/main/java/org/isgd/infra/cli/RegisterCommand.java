package org.isgd.infra.cli;

import java.util.concurrent.Callable;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.SampleRegistration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd register}: adds labelled samples to the population of every run on their dataset. */
@Command(name = "register", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Publish a SampleRegistered on isgd.samples for every training sample of a dataset.")
final class RegisterCommand implements Callable<Integer> {
    static final double DEFAULT_FOLLOW_RATE = 100;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--dataset", defaultValue = SampleRegistration.FASHION_MNIST,
            description = "Dataset to register; supported: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--from", defaultValue = "0", description = "First sample (index in the training set) to register.")
    int from;

    @Option(names = "--limit", description = "Register at most N samples (from --from). Default: all.")
    Integer limit;

    @Option(names = "--rate", defaultValue = "0", description = "Samples per second; 0 = as fast as the broker takes them.")
    double rate;

    @Option(names = "--follow", description = "After the first --limit samples, keep trickling the rest of the dataset "
            + "in at --rate (default then 100/s) until all are registered or Ctrl-C: labelled data that keeps arriving.")
    boolean follow;

    @Override
    public Integer call() {
        if (!SampleRegistration.FASHION_MNIST.equals(dataset)) {
            throw new UsageException("unsupported dataset '" + dataset + "'; supported: " + SampleRegistration.FASHION_MNIST);
        }
        if (limit != null && limit <= 0 || from < 0 || rate < 0) {
            throw new UsageException("--limit must be > 0, --from and --rate >= 0");
        }
        kafka.requireReachable();
        final int[] labels = SampleRegistration.trainLabels(DataSetup.ensureFashionMnist(false), Integer.MAX_VALUE);
        if (from >= labels.length) {
            throw new UsageException("--from " + from + " is past the last sample (" + (labels.length - 1) + ")");
        }
        final int end = limit == null ? labels.length : (int) Math.min(labels.length, (long) from + limit);
        final int first = SampleRegistration.register(kafka.clientProperties(), dataset, labels, from, end,
                follow ? 0 : rate, "register");
        System.out.printf("registered %d samples of %s (ids %d..%d) on isgd.samples; 'run create --min-population %d' "
                + "starts a run on all of them%n", first, dataset, from, end - 1, end);
        if (follow && end < labels.length) {
            final double trickle = rate > 0 ? rate : DEFAULT_FOLLOW_RATE;
            final Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(main::interrupt, "register-stop"));
            System.out.printf("following: %d more samples at %.0f/s (Ctrl-C stops)%n", labels.length - end, trickle);
            final int more = SampleRegistration.register(kafka.clientProperties(), dataset, labels, end, labels.length,
                    trickle, "arriving");
            System.out.printf("registered %d more samples as they arrived%n", more);
        }
        return 0;
    }
}
