package org.isgd.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.isgd.infra.bench.AccuracyRun;
import org.isgd.infra.bench.AccuracyTable;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.UniformPolicy;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.Evaluation;
import org.isgd.trainer.train.PredictionSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd bench …}: measurements, written as JSON plus a human-readable table. */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Benchmarks: results as JSON and a table.",
        subcommands = {BenchCommand.Accuracy.class, BenchCommand.Feed.class})
final class BenchCommand {
    static final String LOCAL_ARM = "uniform (local)";

    @Command(name = "accuracy", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Train uniform and each policy once on Fashion-MNIST, each fed through Kafka by the sampler "
                    + "(plus uniform from the in-process loader), and compare test accuracy, balanced accuracy and "
                    + "steps to reach uniform's final accuracy.")
    static final class Accuracy implements Callable<Integer> {
        @Mixin
        TrainerFlags flags;

        @Option(names = "--quick", description = "One seed, 20,000 training samples, 3 epochs: a few minutes.")
        boolean quick;
        @Option(names = "--policies", split = ",", description = "Policies to compare (uniform always runs). Default: all.")
        List<String> policies;
        @Option(names = "--param", paramLabel = "POLICY.KEY=VALUE", description = "Policy parameter, e.g. "
                + "early-importance.warmupEpochs=1; repeatable.")
        Map<String, Double> params = new LinkedHashMap<>();
        @Option(names = "--epochs", defaultValue = "3", description = "Epochs per run (ignored with --quick).")
        int epochs;
        @Option(names = "--limit", description = "Training samples to use. Default: all 60,000 (20,000 with --quick).")
        Integer limit;
        @Option(names = "--batch-size", defaultValue = "128", description = "Batch size.")
        int batchSize;
        @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampler's draws and the model.")
        long seed;
        @Option(names = "--no-local-baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also train uniform from the in-process loader.")
        boolean localBaseline;
        @Option(names = "--out", defaultValue = "${sys:user.home}/.isgd/bench",
                description = "Results go to a new directory accuracy-<time> under this one.")
        Path out;

        @Override
        public Integer call() throws Exception {
            final List<String> arms = arms();
            final int samples = limit != null ? limit : quick ? 20_000 : Integer.MAX_VALUE;
            final int epochCount = quick ? 3 : epochs;
            final FashionMnist.Split data = FashionMnist.load(DataSetup.ensureFashionMnist(false), samples, Integer.MAX_VALUE);
            final int n = data.train().size();
            final long batches = (long) epochCount * TrainCommand.ceilDiv(n, batchSize);
            if (flags.evalEvery == org.isgd.trainer.train.TrainerOptions.DEFAULT_EVAL_EVERY) {
                flags.evalEvery = (int) Math.max(1, TrainCommand.ceilDiv(n, batchSize) / 4); // 4 points per epoch
            }
            flags.seed = seed;
            final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            final Path dir = Files.createDirectories(out.resolve("accuracy-" + stamp));
            System.out.printf("bench accuracy: %s on %d samples, %d epochs (%d batches of %d), seed %d; results in %s%n",
                    arms, n, epochCount, batches, batchSize, seed, dir);

            final List<AccuracyRun> runs = new ArrayList<>();
            try (LocalStack stack = LocalStack.start(dir.resolve("work"))) {
                SampleRegistration.register(stack.client(), SampleRegistration.FASHION_MNIST, data.train().labels());
                for (final String policy : arms) {
                    System.out.printf("%n--- %s (through Kafka) ---%n", policy);
                    final RunSpec spec = RunSpec.newBuilder().setRunId("bench-" + policy + "-" + stamp)
                            .setDataset(SampleRegistration.FASHION_MNIST).setPolicy(policy).setParams(paramsOf(policy))
                            .setBatchSize(batchSize).setSeed(seed).setBudgetBatches(batches).setMinPopulation((long) n).build();
                    final TrainingRun.Outcome outcome = KafkaTraining.createAndTrain(stack.kafkaOptions(), spec, data,
                            flags.toOptions(batches), batches, source -> { });
                    runs.add(record(policy, policy, "kafka", batches, outcome));
                    System.out.printf(Locale.ROOT, "%s: test accuracy %.4f%n", policy,
                            outcome.result().finalEvaluation().testAccuracy());
                }
            }
            if (localBaseline) {
                System.out.printf("%n--- %s ---%n", LOCAL_ARM);
                try (BatchSource source = new LocalUniformSource("local", n, batchSize, seed, batches)) {
                    runs.add(record(LOCAL_ARM, UniformPolicy.NAME, "local",
                            batches, TrainingRun.run(flags.toOptions(batches), data, source, PredictionSink.NONE, batches)));
                }
            }
            final String table = AccuracyTable.markdown(runs, UniformPolicy.NAME);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("accuracy.json").toFile(),
                    Map.of("command", "isgd bench accuracy" + (quick ? " --quick" : ""), "samples", n, "epochs", epochCount,
                            "batchSize", batchSize, "seed", seed, "machine", Machine.describe(), "runs", runs));
            Files.writeString(dir.resolve("accuracy.md"), "# isgd bench accuracy\n\n" + Machine.describe() + "\n\n" + table);
            System.out.println();
            System.out.println(table);
            System.out.println("machine: " + Machine.describe());
            System.out.println("results: " + dir.resolve("accuracy.json") + " and " + dir.resolve("accuracy.md"));
            System.out.println("log: " + Isgd.logFile("bench"));
            return 0;
        }

        private List<String> arms() {
            final List<String> arms = new ArrayList<>(List.of(UniformPolicy.NAME));
            for (final String policy : policies == null ? List.copyOf(Policies.names()) : policies) {
                if (!Policies.known(policy)) {
                    throw new UsageException("unknown policy '" + policy + "'; choose from " + Policies.names());
                }
                if (!arms.contains(policy)) {
                    arms.add(policy);
                }
            }
            return arms;
        }

        private Map<String, Double> paramsOf(final String policy) {
            final Map<String, Double> own = new LinkedHashMap<>();
            params.forEach((key, value) -> {
                if (key.startsWith(policy + ".")) {
                    own.put(key.substring(policy.length() + 1), value);
                }
            });
            return own;
        }

        private AccuracyRun record(final String arm, final String policy, final String feed, final long batches,
                                          final TrainingRun.Outcome outcome) {
            final List<Evaluation> evaluations = outcome.result().evaluations();
            final List<AccuracyRun.Point> curve = IntStream.range(0, evaluations.size())
                    .mapToObj(i -> new AccuracyRun.Point(evaluations.get(i).step(), outcome.evaluationSeconds().get(i),
                            evaluations.get(i).testAccuracy(), evaluations.get(i).balancedAccuracy()))
                    .toList();
            final Evaluation last = outcome.result().finalEvaluation();
            return new AccuracyRun(arm, policy, feed, seed, batches, outcome.result().seconds(), last.testAccuracy(),
                    last.balancedAccuracy(), curve, outcome.draws().phases(), outcome.draws().shares());
        }
    }

    @Command(name = "feed", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Trainer images/s fed through Kafka by the sampler ÷ images/s from the in-process loader: "
                    + "same model, same process, measured one after the other after a warm-up.")
    static final class Feed implements Callable<Integer> {
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
            final FashionMnist.Split data = FashionMnist.load(DataSetup.ensureFashionMnist(false), Integer.MAX_VALUE,
                    Integer.MAX_VALUE);
            final int n = data.train().size();
            flags.evalEvery = Integer.MAX_VALUE; // time training, not evaluation
            final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            final Path dir = Files.createDirectories(out);
            System.out.printf("bench feed: %d batches of %d per feed, model %s, policy %s, lead %d%n", batches, batchSize,
                    flags.model, policy, lead);
            local(data, n, warmupBatches);
            final double kafka;
            try (LocalStack stack = LocalStack.start(dir.resolve("feed-work"))) {
                SampleRegistration.register(stack.client(), SampleRegistration.FASHION_MNIST, data.train().labels());
                final RunSpec spec = RunSpec.newBuilder().setRunId("feed-" + stamp).setDataset(SampleRegistration.FASHION_MNIST)
                        .setPolicy(policy).setParams(Map.of()).setBatchSize(batchSize).setLead(lead)
                        .setBudgetBatches((long) batches).setMinPopulation((long) n).build();
                kafka = KafkaTraining.createAndTrain(stack.kafkaOptions(), spec, data, flags.toOptions(batches), batches,
                        source -> { }).result().imagesPerSecond();
            }
            final double local = local(data, n, batches);
            final double ratio = kafka / local;
            System.out.printf(Locale.ROOT, "%nfed through Kafka: %.0f images/s%nin-process loader: %.0f images/s%n"
                    + "ratio (Kafka ÷ local): %.3f%nmachine: %s%n", kafka, local, ratio, Machine.describe());
            final Path json = dir.resolve("feed-" + stamp + ".json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), Map.of(
                    "command", "isgd bench feed", "batches", batches, "batchSize", batchSize, "model", flags.model,
                    "policy", policy, "lead", lead, "kafkaImagesPerSecond", kafka, "localImagesPerSecond", local,
                    "ratio", ratio, "machine", Machine.describe()));
            System.out.println("result: " + json);
            return 0;
        }

        private double local(final FashionMnist.Split data, final int n, final int count) {
            try (BatchSource source = new LocalUniformSource("local", n, batchSize, 0, count)) {
                return TrainingRun.run(flags.toOptions(count), data, source, PredictionSink.NONE, count).result()
                        .imagesPerSecond();
            }
        }
    }
}
