package org.isgd.infra.cli;

import java.util.concurrent.Callable;
import org.isgd.infra.bench.feed.FeedBench;
import org.isgd.infra.common.Stamp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd bench feed}: the settings of a {@link FeedBench} from the command line. */
@Command(name = "feed", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Trainer images/s fed through Kafka by the sampler ÷ images/s from the in-process loader: "
                + "same model, same process, after a warm-up; the in-process loader is timed before and after the Kafka-fed "
                + "feed and the ratio taken against their mean. Results go to "
                + "feed-<time>.json under --out.")
final class FeedBenchCommand implements Callable<Integer> {
    @Mixin
    TrainerFlags flags;
    @Mixin
    BatchOptions batch;
    @Mixin
    OutputOptions output;

    @Option(names = "--batches", defaultValue = "400", description = "Batches trained per feed.")
    int batches;
    @Option(names = "--warmup-batches", defaultValue = "300", description = "Local batches first, to warm up the JIT.")
    int warmupBatches;
    @Option(names = "--kafka-warmup-batches", defaultValue = "300", description = "Batches of a first Kafka-fed run "
            + "on the same stack before the timed one, so that the broker's, sampler's and clients' code is compiled "
            + "(its images/s is reported as the cold figure; 0: none).")
    int kafkaWarmupBatches;
    @Option(names = "--policy", defaultValue = "uniform", description = "Policy of the Kafka-fed run.")
    String policy;
    @Option(names = "--lead", defaultValue = "8", description = "Flow-control lead of the Kafka-fed run.")
    int lead;

    @Override
    public Integer call() throws Exception {
        // no evaluations: the feeds time training
        final FeedBench bench = new FeedBench(batches, warmupBatches, kafkaWarmupBatches, batch.batchSize,
                flags.model, policy, lead, count -> flags.toOptions(count, flags.seed, flags.augment, Integer.MAX_VALUE));
        System.out.println("result: " + bench.run(output.out, Stamp.now()));
        return 0;
    }
}
