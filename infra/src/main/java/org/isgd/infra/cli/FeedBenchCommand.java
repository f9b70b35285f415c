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
                + "same model, same process, measured one after the other after a warm-up. Results go to "
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
    @Option(names = "--warmup-batches", defaultValue = "60", description = "Local batches first, to warm up the JIT.")
    int warmupBatches;
    @Option(names = "--policy", defaultValue = "uniform", description = "Policy of the Kafka-fed run.")
    String policy;
    @Option(names = "--lead", defaultValue = "8", description = "Flow-control lead of the Kafka-fed run.")
    int lead;

    @Override
    public Integer call() throws Exception {
        // no evaluations: the feeds time training
        final FeedBench bench = new FeedBench(batches, warmupBatches, batch.batchSize, flags.model, policy, lead,
                count -> flags.toOptions(count, flags.seed, flags.augment, Integer.MAX_VALUE));
        System.out.println("result: " + bench.run(output.out, Stamp.now()));
        return 0;
    }
}
