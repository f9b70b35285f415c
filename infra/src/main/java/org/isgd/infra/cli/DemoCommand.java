package org.isgd.infra.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.KafkaTraining;
import org.isgd.infra.local.LocalStack;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.local.StartupStep;
import org.isgd.infra.local.TrainingRun;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.topology.SamplerMetrics;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isgd demo}: the whole loop in one process on a fresh embedded broker — sampler, trainer,
 * registration, a run — then a summary. Everything it starts it stops, on Ctrl-C too.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Start an embedded broker, the sampler and a trainer; register Fashion-MNIST, create a run, "
                + "train a few epochs on batches from isgd.batches, print test accuracy, and shut everything down.")
final class DemoCommand implements Callable<Integer> {
    static final Path LOG_FILE = Isgd.logFile("demo");

    @Mixin
    TrainerFlags flags;
    @Mixin
    RunCommand.RunOptions run;
    @Mixin
    LimitOptions limit;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs to train (N draws each).")
    int epochs;
    @Option(names = "--arriving", defaultValue = "0",
            description = "Hold back this many samples and register them while training runs, at --arrival-rate: "
                    + "labelled data that keeps arriving joins the run at the highest current score.")
    int arriving;
    @Option(names = "--shards", defaultValue = "1", paramLabel = "S",
            description = "Spread the run over S shards and draw each batch in two levels through its coordinator "
                    + "(isgd sampler --shards; here all shards live in the one local sampler). Not for "
                    + "candidate batches (presample, rho-loss).")
    int shards;
    @Option(names = "--arrival-rate", defaultValue = "100", description = "Samples per second for --arriving.")
    double arrivalRate;
    @Option(names = "--work-dir", defaultValue = "${sys:user.home}/.isgd/demo",
            description = "Broker data and sampler state; emptied at the start of each demo.")
    Path workDir;

    private final CountDownLatch finished = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        final long started = System.nanoTime();
        final FashionMnist.Split data = FashionMnist.load(StartupStep.run("data", () -> DataSetup.ensureFashionMnist(true)),
                limit.samples(), Integer.MAX_VALUE);
        final int n = data.train().size();
        final long batches = (long) epochs * TrainCommand.ceilDiv(n, run.batch.batchSize);
        run.budgetBatches = batches;
        run.worldSize = 1;
        if (arriving < 0 || arriving >= n) {
            throw new UsageException("--arriving must be in [0, " + n + ")");
        }
        run.minPopulation = (long) (n - arriving);
        final String runId = "demo-" + Stamp.now();
        final RunSpec spec = run.toSpec(runId);
        SamplerCommand.requireShards(shards);
        if (shards > 1 && !org.isgd.sampler.policy.Policies.forRun(spec).shardable()) {
            throw new UsageException("--policy " + spec.getPolicy() + " cannot be sharded yet; use --shards 1");
        }
        final KafkaBatchSource[] stoppable = new KafkaBatchSource[1];
        final Thread hook = new Thread(() -> {
            System.out.println("\ndemo: interrupted, shutting down ...");
            if (stoppable[0] != null) {
                stoppable[0].stop();
            }
            awaitQuietly(finished, Duration.ofSeconds(60));
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (LocalStack stack = LocalStack.start(workDir, shards)) {
            final int[] labels = data.train().labels();
            SampleRegistration.register(stack.client(), spec.getDataset(), labels, 0, n - arriving, 0, "register");
            System.out.printf("run %s: policy %s, batch size %d, lead %d, %d batches (%d epochs of %d samples)%s%n",
                    runId, spec.getPolicy(), spec.getBatchSize(), spec.getLead(), batches, epochs, n,
                    arriving == 0 ? "" : String.format(Locale.ROOT, "; %d of them arrive during training at %.0f/s",
                            arriving, arrivalRate));
            final Thread arrivals = new Thread(() -> SampleRegistration.register(stack.client(), spec.getDataset(),
                    labels, n - arriving, n, arrivalRate, "arriving"), "arriving-samples");
            arrivals.setDaemon(true);
            final TrainingRun.Outcome result = KafkaTraining.createAndTrain(stack, spec, data,
                    flags.toOptions(batches), batches, source -> {
                        stoppable[0] = source;
                        if (arriving > 0) {
                            arrivals.start();
                        }
                    });
            arrivals.interrupt();
            arrivals.join();
            summarize(result, spec, stack.sampler(), batches, started);
            return result.result().steps() == batches ? 0 : Isgd.EXIT_ERROR;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and waits for `finished`
            }
        }
    }

    private void summarize(final TrainingRun.Outcome outcome, final RunSpec spec, final SamplerApp sampler,
                           final long batches, final long started) {
        final SamplerMetrics metrics = sampler.metrics();
        System.out.println();
        System.out.println("=== isgd demo summary ===");
        System.out.printf(Locale.ROOT, "run %s, policy %s%n", spec.getRunId(), spec.getPolicy());
        final TrainingResult result = outcome.result();
        TrainingRun.printResult(System.out, outcome);
        System.out.printf(Locale.ROOT, "sampler: %d batches emitted on isgd.batches (%d trained), %d predictions applied, "
                + "dead letters %s%n", metrics.batchesEmitted(), result.steps(), metrics.predictionsApplied(),
                metrics.deadLetters().isEmpty() ? "none" : metrics.deadLetters());
        sampler.snapshots().get(spec.getRunId()).ifPresent(run -> System.out.printf(Locale.ROOT,
                "population: %d samples at the first batch, %d now; effective sample size of the last batch %.2f; "
                        + "suspected mislabels: %d%n", spec.getMinPopulation(), run.population(),
                run.effectiveSampleSize(), run.suspects().size()));
        if (result.steps() < batches) {
            System.out.printf("stopped early: %d of %d batches trained%n", result.steps(), batches);
        }
        System.out.printf(Locale.ROOT, "total %.0f s; logs in %s; broker data and sampler state in %s%n",
                (System.nanoTime() - started) / 1e9, LOG_FILE, workDir);
    }

    private static void awaitQuietly(final CountDownLatch latch, final Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
