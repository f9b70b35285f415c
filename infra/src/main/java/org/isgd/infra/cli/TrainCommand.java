package org.isgd.infra.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.IrreducibleLoss;
import org.isgd.infra.local.TrainingRun;
import org.isgd.infra.topics.RunCatalog;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.feed.KafkaPredictionPublisher;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.Checkpoint;
import org.isgd.trainer.train.CheckpointDir;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isgd train}: one trainer rank, fed by the sampler through Kafka, or by in-process shuffling.
 *
 * <p>With Kafka a rank resumes by default: it continues right after its last acknowledged batch
 * (the batchSeq its consumer group committed) from its last model checkpoint, and counts the run's
 * batches from the start, so a trainer killed and started again with the same command finishes at
 * the run's budget. A batch's prediction batch (its predictions and acknowledgement) and the
 * consumer offset past it are committed in the same Kafka transaction, a few batches per
 * transaction ({@code --commit-every}, {@code --commit-interval-ms}, and before every checkpoint):
 * a kill never leaves a batch acknowledged to the sampler but not to the consumer group, or the
 * reverse, and a restarted trainer trains again at most the batches of the open transaction.
 */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train on Fashion-MNIST with batches from isgd.batches (--sampler kafka) or from in-process "
                + "uniform shuffling (--sampler local, the baseline). With Kafka, a rank resumes after its last "
                + "acknowledged batch from its last checkpoint unless --fresh.")
final class TrainCommand implements Callable<Integer> {
    enum SamplerKind { kafka, local }

    @Mixin
    KafkaOptions kafka;
    @Mixin
    TrainerFlags flags;
    @Mixin
    LimitOptions limit;

    @Option(names = "--sampler", defaultValue = "kafka", description = "Where batches come from: ${COMPLETION-CANDIDATES}.")
    SamplerKind sampler;
    @Option(names = "--run-id", description = "Run to train (required with --sampler kafka).")
    String runId;
    @Option(names = "--rank", defaultValue = "0", description = "This trainer's rank (batches k with k mod worldSize = rank).")
    int rank;
    @Option(names = "--start-batch", description = "First batchSeq to expect, overriding the resume position. "
            + "Default: after the last acknowledged batch, or the rank for a new run.")
    Long startBatch;
    @Option(names = "--checkpoint-dir", description = "Where model checkpoints are saved and resumed from. "
            + "Default: ~/.isgd/checkpoints/<runId>-<rank> with --sampler kafka, none with --sampler local.")
    Path checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "" + TrainerOptions.DEFAULT_CHECKPOINT_EVERY,
            description = "Save a checkpoint every N steps and at the end; 0 = never.")
    int checkpointEvery;
    @Option(names = "--commit-every", defaultValue = "" + KafkaPredictionPublisher.DEFAULT_COMMIT_EVERY, paramLabel = "N",
            description = "Batches per transaction at most (their prediction batches and the offset past them): a "
                    + "kill retrains at most this many. Keep it below the run's lead, or the sampler waits for it.")
    int commitEvery;
    @Option(names = "--commit-interval-ms", defaultValue = "100", paramLabel = "MS",
            description = "A transaction commits at the latest this long after it began.")
    long commitIntervalMs;
    @Option(names = "--fresh", description = "Start the rank from its first batch and a new model, ignoring its "
            + "checkpoint (which is deleted) and its committed position.")
    boolean fresh;
    @ArgGroup(exclusive = true)
    Length length = new Length();
    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size with --sampler local.")
    int batchSize;
    @Option(names = "--local-seed", defaultValue = "0", description = "Shuffling seed with --sampler local.")
    long localSeed;

    static final class Length {
        @Option(names = "--epochs", defaultValue = "3", description = "Epochs (N draws each, N = training samples).")
        int epochs = 3;
        @Option(names = "--max-batches", description = "Train exactly this many batches instead of --epochs.")
        Long maxBatches;
    }

    @Override
    public Integer call() {
        final FashionMnist.Split data = FashionMnist.load(DataSetup.ensureFashionMnist(false),
                limit.samples(), Integer.MAX_VALUE);
        final int n = data.train().size();
        final TrainingRun.Outcome result;
        if (sampler == SamplerKind.local) {
            final long batches = batchesFor(n, batchSize, 1);
            final TrainerOptions options = withCheckpoints(flags.toOptions(batches), checkpointDir);
            try (BatchSource source = new LocalUniformSource("local", n, batchSize, localSeed, batches)) {
                result = TrainingRun.run(options, data, source, PredictionSink.NONE, batches);
            }
        } else {
            result = trainFromKafka(data, n);
        }
        TrainingRun.printResult(System.out, result);
        return 0;
    }

    private TrainingRun.Outcome trainFromKafka(final FashionMnist.Split data, final int n) {
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
        final CheckpointDir checkpoints = new CheckpointDir(checkpointDir != null ? checkpointDir
                : Path.of(System.getProperty("user.home"), ".isgd", "checkpoints", runId + "-" + rank));
        if (fresh) {
            checkpoints.clear();
        }
        final TrainerOptions options = withCheckpoints(flags.toOptions(batches), checkpoints.path());
        final String trainerId = "trainer-" + rank + "-" + UUID.randomUUID().toString().substring(0, 8);
        final String bootstrap = kafka.bootstrapServers();
        final var extra = kafka.clientPropertiesWithoutBootstrap();
        final String group = KafkaBatchSource.groupId(runId, rank);
        // the publisher first: starting it fences a killed trainer of this rank and aborts its open transaction
        if (commitEvery < 1 || commitIntervalMs < 1) {
            throw new UsageException("--commit-every and --commit-interval-ms must be at least 1, were " + commitEvery
                    + " and " + commitIntervalMs);
        }
        try (KafkaPredictionPublisher sink = KafkaPredictionPublisher.transactional(bootstrap, extra, trainerId, group,
                commitEvery, java.time.Duration.ofMillis(commitIntervalMs));
             KafkaBatchSource source = startBatch != null
                     ? new KafkaBatchSource(bootstrap, extra, runId, rank, spec.getWorldSize(), startBatch)
                     : fresh ? KafkaBatchSource.fromScratch(bootstrap, extra, runId, rank, spec.getWorldSize())
                     : KafkaBatchSource.resume(bootstrap, extra, runId, rank, spec.getWorldSize())) {
            source.commitThrough(sink);
            reportStart(source, checkpoints.latest());
            final CountDownLatch finished = new CountDownLatch(1);
            // SIGTERM / Ctrl-C: stop after the batch in hand, and let the final checkpoint be written
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                source.stop();
                try {
                    finished.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "trainer-stop"));
            try {
                return TrainingRun.run(options, data, source, sink, batches,
                        IrreducibleLoss.candidates(spec, rank, bootstrap, extra, data.train().size()));
            } finally {
                finished.countDown();
            }
        }
    }

    private void reportStart(final KafkaBatchSource source, final Optional<Checkpoint> checkpoint) {
        final String model = checkpoint.map(c -> "checkpoint from step " + c.step()).orElse("no checkpoint, new model");
        if (source.batchesBefore().orElse(0) > 0 || checkpoint.isPresent()) {
            System.out.printf("resuming run %s rank %d at batch %d (%s)%n", runId, rank, source.expectedBatchSeq(), model);
        } else {
            System.out.printf("starting run %s rank %d at batch %d%n", runId, rank, source.expectedBatchSeq());
        }
        System.out.flush();
    }

    private TrainerOptions withCheckpoints(final TrainerOptions options, final Path dir) {
        if (checkpointEvery < 0) {
            throw new UsageException("--checkpoint-every must be >= 0 (0 = never)");
        }
        return new TrainerOptions(options.model(), options.learningRate(), options.seed(), options.augment(),
                options.evalEvery(), options.maxBatches(), options.batchTimeout(), options.evalBatchSize(),
                checkpointEvery, dir);
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
