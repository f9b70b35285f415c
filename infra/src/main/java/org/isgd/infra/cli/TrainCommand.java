package org.isgd.infra.cli;

import java.util.UUID;
import java.util.concurrent.Callable;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.feed.KafkaPredictionPublisher;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd train}: one trainer rank, fed by the sampler through Kafka, or by in-process shuffling. */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train on Fashion-MNIST with batches from isgd.batches (--sampler kafka) or from in-process "
                + "uniform shuffling (--sampler local, the baseline).")
final class TrainCommand implements Callable<Integer> {
    enum SamplerKind { kafka, local }

    @Mixin
    KafkaOptions kafka;
    @Mixin
    TrainerFlags flags;

    @Option(names = "--sampler", defaultValue = "kafka", description = "Where batches come from: ${COMPLETION-CANDIDATES}.")
    SamplerKind sampler;
    @Option(names = "--run-id", description = "Run to train (required with --sampler kafka).")
    String runId;
    @Option(names = "--rank", defaultValue = "0", description = "This trainer's rank (batches k with k mod worldSize = rank).")
    int rank;
    @Option(names = "--start-batch", description = "First batchSeq to expect, to resume a rank. Default: the rank.")
    Long startBatch;
    @ArgGroup(exclusive = true)
    Length length = new Length();
    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size with --sampler local.")
    int batchSize;
    @Option(names = "--local-seed", defaultValue = "0", description = "Shuffling seed with --sampler local.")
    long localSeed;
    @Option(names = "--limit", description = "Use only the first N training samples. Default: all.")
    Integer limit;

    static final class Length {
        @Option(names = "--epochs", defaultValue = "3", description = "Epochs (N draws each, N = training samples).")
        int epochs = 3;
        @Option(names = "--max-batches", description = "Train exactly this many batches instead of --epochs.")
        Long maxBatches;
    }

    @Override
    public Integer call() {
        final FashionMnist.Split data = FashionMnist.load(DataSetup.ensureFashionMnist(false),
                limit == null ? Integer.MAX_VALUE : limit, Integer.MAX_VALUE);
        final int n = data.train().size();
        final TrainingRun.Outcome result;
        if (sampler == SamplerKind.local) {
            final long batches = batchesFor(n, batchSize, 1);
            final TrainerOptions options = flags.toOptions(batches);
            try (BatchSource source = new LocalUniformSource("local", n, batchSize, localSeed, batches)) {
                result = TrainingRun.run(options, data, source, PredictionSink.NONE, batches);
            }
        } else {
            if (runId == null) {
                throw new UsageException("--run-id is required with --sampler kafka (see 'infra/isgd run list')");
            }
            kafka.requireReachable();
            final RunSpec spec = RunCatalog.require(kafka.clientProperties(), runId);
            if (rank < 0 || rank >= spec.getWorldSize()) {
                throw new UsageException("--rank " + rank + " outside run " + runId + "'s worldSize " + spec.getWorldSize());
            }
            long batches = batchesFor(n, spec.getBatchSize(), spec.getWorldSize());
            if (spec.getBudgetBatches() != null) {
                batches = Math.min(batches, ceilDiv(spec.getBudgetBatches() - rank, spec.getWorldSize()));
            }
            final TrainerOptions options = flags.toOptions(batches);
            final String trainerId = "trainer-" + rank + "-" + UUID.randomUUID().toString().substring(0, 8);
            try (KafkaBatchSource source = new KafkaBatchSource(kafka.bootstrapServers(), kafka.clientPropertiesWithoutBootstrap(),
                    runId, rank, spec.getWorldSize(), startBatch == null ? rank : startBatch);
                 PredictionSink sink = new KafkaPredictionPublisher(kafka.bootstrapServers(),
                         kafka.clientPropertiesWithoutBootstrap(), trainerId)) {
                Runtime.getRuntime().addShutdownHook(new Thread(source::stop, "trainer-stop"));
                result = TrainingRun.run(options, data, source, sink, batches);
            }
        }
        TrainingRun.printResult(System.out, result);
        return 0;
    }

    private long batchesFor(final int n, final int size, final int worldSize) {
        if (length.maxBatches != null) {
            return length.maxBatches;
        }
        if (length.epochs <= 0) {
            throw new UsageException("--epochs must be > 0");
        }
        return ceilDiv((long) length.epochs * ceilDiv(n, size), worldSize);
    }

    static long ceilDiv(final long a, final long b) {
        return (a + b - 1) / b;
    }
}
