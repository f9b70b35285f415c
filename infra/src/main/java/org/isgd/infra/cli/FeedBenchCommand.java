package org.isgd.infra.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isgd.infra.bench.feed.FeedBench;
import org.isgd.infra.common.Stamp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd bench feed}: the settings of a {@link FeedBench} from the command line. */
@Command(name = "feed", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Trainer images/s fed through Kafka by the sampler ÷ images/s from the in-process loader: "
                + "same model, same process, measured one after the other after a warm-up.")
final class FeedBenchCommand implements Callable<Integer> {
    @Mixin
    TrainerFlags flags;

    @Option(names = "--batches", defaultValue = "400", description = "Batches trained per feed.")
    int batches;
    @Option(names = "--warmup-batches", defaultValue = "60", description = "Local batches first, to warm up the JIT.")
    int warmupBatches;
    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size.")
    int batchSize;
    @Option(names = "--policy", defaultValue = "uniform", description = "Policy of the Kafka-fed run.")
    String policy;
    @Option(names = "--lead", defaultValue = "8", description = "Flow-control lead of the Kafka-fed run.")
    int lead;
    @Option(names = "--out", defaultValue = "${sys:user.home}/.isgd/bench",
            description = "Results go to feed-<time>.json under this directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
        // no evaluations: the feeds time training
        final FeedBench bench = new FeedBench(batches, warmupBatches, batchSize, flags.model, policy, lead,
                count -> flags.toOptions(count, flags.seed, flags.augment, Integer.MAX_VALUE));
        System.out.println("result: " + bench.run(out, Stamp.now()));
        return 0;
    }
}
