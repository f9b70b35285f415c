package org.isgd.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.isgd.infra.bench.accuracy.CellResult;
import org.isgd.infra.bench.accuracy.DurationEstimate;
import org.isgd.infra.bench.accuracy.GridArm;
import org.isgd.infra.bench.accuracy.GridCell;
import org.isgd.infra.bench.accuracy.GridOutputs;
import org.isgd.infra.bench.accuracy.GridPlots;
import org.isgd.infra.bench.accuracy.GridSettings;
import org.isgd.infra.bench.accuracy.ImageGrid;
import org.isgd.infra.bench.accuracy.ResultsLog;
import org.isgd.infra.bench.accuracy.RunRecorder;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.KafkaTraining;
import org.isgd.infra.local.LocalStack;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.local.TrainingRun;
import org.isgd.infra.progress.Progress;
import org.isgd.sampler.policy.EarlyImportancePolicy;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.UniformPolicy;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.Augmenter;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.Evaluation;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingBatch;
import org.isgd.trainer.train.TrainingListener;
import org.isgd.trainer.train.TrainingLoop;
import org.isgd.trainer.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isgd bench …}: measurements, written as JSON plus a human-readable table. */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Benchmarks: results as JSON and a table.",
        subcommands = {BenchCommand.Accuracy.class, BenchCommand.Feed.class, BenchCommand.JmhBench.class,
            SamplerBenchCommand.class})
final class BenchCommand {
    @Command(name = "accuracy", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = {"The accuracy grid: arms (uniform and each policy fed through Kafka by the sampler, uniform "
                    + "from the in-process loader, and uniform with stronger augmentation) × data variants × budgets × "
                    + "seeds. Each finished run is appended to results.jsonl in a run directory named after the "
                    + "settings, so rerunning the same command resumes; evaluations.csv/json, summary.md and plots/ "
                    + "are rewritten after every run. 'isgd report DIR' makes an HTML page of it.",
                "Data: balanced = Fashion-MNIST; long-tail = a seeded subset with n_c = n_max·100^(−c/9); "
                    + "label-noise = 20%% of labels replaced by a random other class. The test set is always the "
                    + "balanced, clean test split."})
    static final class Accuracy implements Callable<Integer> {
        @Mixin
        TrainerFlags flags;
        @Spec
        CommandSpec spec;

        @Option(names = "--quick", description = "A one-seed slice: seed 0, budget 100%%, balanced data (unless --data, "
                + "--budgets or --seeds say otherwise), 20,000 training samples, 3 epochs: a few minutes.")
        boolean quick;
        @Option(names = "--policies", split = ",", description = "Policies fed through Kafka (uniform always runs). "
                + "Default: all.")
        List<String> policies;
        @Option(names = "--data", split = ",", paramLabel = "VARIANT",
                description = "Data variants: balanced, long-tail, label-noise. Default: all three.")
        List<String> data;
        @Option(names = "--budgets", split = ",", paramLabel = "FRACTION",
                description = "Budgets as fractions of the full schedule (--epochs). Default: 0.3,0.5,1.0.")
        List<Double> budgets;
        @Option(names = "--seeds", split = ",", description = "Seeds (model, augmentation, sampler). Default: 0,1,2.")
        List<Long> seeds;
        @Option(names = "--param", paramLabel = "POLICY.KEY=VALUE", description = "Policy parameter, e.g. "
                + "early-importance.warmupEpochs=1; repeatable.")
        Map<String, Double> params = new LinkedHashMap<>();
        @Option(names = "--epochs", defaultValue = "3", description = "The full schedule (100%% budget), in epochs of "
                + "the variant's training set (ignored with --quick: 3).")
        int epochs;
        @Option(names = "--limit", description = "Read only the first N training samples before making the variants. "
                + "Default: all 60,000 (20,000 with --quick).")
        Integer limit;
        @Option(names = "--batch-size", defaultValue = "128", description = "Batch size.")
        int batchSize;
        @Option(names = "--data-seed", defaultValue = "0", description = "Seed of the long-tail subset and the flipped labels.")
        long dataSeed;
        @Option(names = "--warmup-fraction", defaultValue = "0.333",
                description = "early-importance's warmupEpochs as a fraction of each run's budget (the policy's own "
                        + "default of 2 epochs would leave a 30%% budget of 3 epochs all warm-up); "
                        + "--param early-importance.warmupEpochs=X overrides it.")
        double warmupFraction;
        @Option(names = "--evals-per-epoch", defaultValue = "4", description = "Test-set evaluations per epoch.")
        int evalsPerEpoch;
        @Option(names = "--no-local-baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also train uniform from the in-process loader.")
        boolean localBaseline;
        @Option(names = "--no-strong-augment", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also train '" + GridArm.UNIFORM_STRONG_AUGMENT + "': Arazo et al.'s strong baseline, "
                        + "uniform with the strongest augmentation the trainer offers (--strong-augment-mode).")
        boolean strongAugment;
        @Option(names = "--strong-augment-mode", defaultValue = "mixup",
                description = "Augmentation of the strong-baseline arm: mixup (crop + flip, then mixup, alpha 1.0), "
                        + "ricap (crop + flip, then RICAP, beta 0.3), standard (crop + flip) or none. Default: ${DEFAULT-VALUE}.")
        String strongAugmentMode;
        @Option(names = "--plan-only", description = "Print the grid, what is already done and the expected duration; train nothing.")
        boolean planOnly;
        @Option(names = "--out", defaultValue = "${sys:user.home}/.isgd/bench",
                description = "Results go to accuracy-e<epochs>-b<batch>-<settings hash>/ under this directory; the same "
                        + "settings always give the same directory, so rerunning a command resumes it.")
        Path out;

        private String stamp;
        private Progress bar;
        private long barBase;
        private String barCell = "";

        @Override
        public Integer call() throws Exception {
            final List<GridArm> arms = arms();
            final List<DataVariant> variants = variants();
            final List<Double> budgetList = budgets != null ? budgets : quick ? List.of(1.0) : List.of(0.3, 0.5, 1.0);
            final List<Long> seedList = seeds != null ? seeds : quick ? List.of(0L) : List.of(0L, 1L, 2L);
            budgetList.forEach(b -> {
                if (!(b > 0 && b <= 1)) {
                    throw new UsageException("--budgets takes fractions in (0, 1], got " + b);
                }
            });
            final int samples = limit != null ? limit : quick ? 20_000 : Integer.MAX_VALUE;
            final int epochCount = quick ? 3 : epochs;
            final GridSettings settings = new GridSettings(epochCount, batchSize, flags.model, flags.learningRate,
                    flags.augment, strongAugmentMode, dataSeed, samples == Integer.MAX_VALUE ? 0 : samples,
                    warmupFraction, evalsPerEpoch, params);
            final Path dir = out.resolve(settings.directoryName());
            final ResultsLog log = ResultsLog.in(dir);
            final List<CellResult> finished = log.read();
            final Set<String> done = finished.stream().map(r -> r.cell().key()).collect(Collectors.toSet());

            final FashionMnist.Split source = FashionMnist.load(DataSetup.ensureFashionMnist(false), samples, Integer.MAX_VALUE);
            final Map<DataVariant, DataVariant.Variant> data = new LinkedHashMap<>();
            variants.forEach(v -> data.put(v, v.apply(source.train(), dataSeed)));
            final List<Cell> todo = new ArrayList<>();
            int total = 0;
            for (final DataVariant variant : variants) {
                for (final long seed : seedList) {
                    for (final double budget : budgetList) {
                        for (final GridArm arm : arms) {
                            total++;
                            final Cell cell = new Cell(arm, new GridCell(arm.name(), variant.id(), budget, seed),
                                    data.get(variant), fullBatches(data.get(variant), epochCount));
                            if (!done.contains(cell.cell().key())) {
                                todo.add(cell);
                            }
                        }
                    }
                }
            }
            printPlan(dir, arms, data, budgetList, seedList, epochCount, total, todo, finished);
            if (planOnly) {
                return 0;
            }
            stamp = Stamp.now();
            GridSettings.recordInvocation(dir, settings, Machine.describe(), command(), LocalDateTime.now().toString());
            final String[] classes = TrainingRun.FASHION_MNIST_CLASSES;
            final long totalBatches = todo.stream().mapToLong(Cell::batches).sum();
            final long started = System.nanoTime();
            int index = 0;
            // redrawn on each batch only (no continuous update), so the stack start-up lines between variants stay readable
            try (Progress gridBar = Progress.stepped("grid", totalBatches, "batches")) {
                bar = gridBar;
                for (final DataVariant variant : variants) {
                    final List<Cell> cells = todo.stream().filter(c -> c.variant().variant() == variant).toList();
                    LocalStack stack = null;
                    try {
                        for (final Cell cell : cells) {
                            if (cell.arm().throughKafka() && stack == null) {
                                stack = startStack(dir, cell.variant());
                            }
                            index++;
                            barCell = String.format(Locale.ROOT, " %d/%d %s %s %s s%d", index, todo.size(), cell.arm().name(),
                                    cell.variant().variant().id(), GridCell.percent(cell.cell().budget()), cell.cell().seed());
                            final CellResult result = runCell(cell, source.test(), stack, epochCount);
                            log.append(result);
                            barBase += cell.batches();
                            drawExtremes(dir, cell, result, budgetList, seedList, classes);
                            GridOutputs.write(dir, log.read(), classes, Machine.describe());
                        }
                    } finally {
                        if (stack != null) {
                            stack.close();
                            Dirs.deleteTree(dir.resolve("work").resolve(variant.id())); // broker log and sampler state
                        }
                    }
                }
            }
            final String tables = GridOutputs.write(dir, log.read(), classes, Machine.describe());
            System.out.println();
            System.out.println(tables);
            System.out.printf(Locale.ROOT, "grid: %d runs in %s; machine: %s%n", todo.size(),
                    DurationEstimate.format((System.nanoTime() - started) / 1e9), Machine.describe());
            System.out.println("results: " + dir + " (results.jsonl, evaluations.csv/json, summary.md, plots/)");
            System.out.println("report:  infra/isgd report " + dir);
            System.out.println("log: " + Isgd.logFile("bench"));
            return 0;
        }


        /** A cell to train, with what it trains on. */
        private record Cell(GridArm arm, GridCell cell, DataVariant.Variant variant, long fullBatches) {
            long batches() {
                return Math.max(1, Math.round(cell.budget() * fullBatches));
            }

            long images(final int batchSize) {
                return batches() * batchSize;
            }
        }

        private long fullBatches(final DataVariant.Variant variant, final int epochCount) {
            return epochCount * TrainCommand.ceilDiv(variant.train().size(), batchSize);
        }

        private void printPlan(final Path dir, final List<GridArm> arms, final Map<DataVariant, DataVariant.Variant> data,
                               final List<Double> budgetList, final List<Long> seedList, final int epochCount,
                               final int total, final List<Cell> todo, final List<CellResult> finished) {
            System.out.printf("bench accuracy: %d arms × %d data × %d budgets × %d seeds = %d runs; full schedule %d "
                    + "epochs, batch %d, model %s%n", arms.size(), data.size(), budgetList.size(), seedList.size(), total,
                    epochCount, batchSize, flags.model);
            System.out.println("  arms: " + arms.stream().map(a -> a.name() + " [" + a.feed() + ", augment " + a.augment()
                    + "]").collect(Collectors.joining(", ")));
            data.values().forEach(v -> System.out.printf(Locale.ROOT, "  %-11s %6d training samples (%s), %d flipped "
                    + "labels; full schedule %d batches%n", v.variant().id(), v.train().size(), classCounts(v), v.flippedCount(),
                    fullBatches(v, epochCount)));
            final DurationEstimate estimate = DurationEstimate.of(todo.stream().map(c -> c.images(batchSize)).toList(),
                    (int) todo.stream().filter(c -> c.arm().throughKafka()).map(c -> c.variant().variant()).distinct().count(),
                    finished);
            System.out.printf(Locale.ROOT, "  %d of %d runs already done (skipped); %d to run, %d batches: expected "
                    + "duration %s (%s)%n", total - todo.size(), total, todo.size(),
                    todo.stream().mapToLong(Cell::batches).sum(), DurationEstimate.format(estimate.seconds()), estimate.basis());
            System.out.println("  results: " + dir);
        }

        private static String classCounts(final DataVariant.Variant variant) {
            final int[] counts = new int[variant.train().numClasses()];
            for (final int label : variant.train().labels()) {
                counts[label]++;
            }
            return "per class " + Arrays.stream(counts).mapToObj(Integer::toString).collect(Collectors.joining("/"));
        }

        private LocalStack startStack(final Path dir, final DataVariant.Variant variant) throws Exception {
            System.out.printf("%n--- %s: broker, topics, sampler, %d samples registered ---%n", variant.variant().id(),
                    variant.train().size());
            final LocalStack stack = LocalStack.start(dir.resolve("work").resolve(variant.variant().id()));
            try {
                SampleRegistration.register(stack.client(), dataset(variant.variant()), variant.train().labels());
                return stack;
            } catch (RuntimeException e) {
                stack.close();
                throw e;
            }
        }

        static String dataset(final DataVariant variant) {
            return variant == DataVariant.BALANCED ? SampleRegistration.FASHION_MNIST
                    : SampleRegistration.FASHION_MNIST + "-" + variant.id();
        }

        private CellResult runCell(final Cell cell, final LabelledImages test, final LocalStack stack, final int epochCount) {
            final DataVariant.Variant variant = cell.variant();
            final int n = variant.train().size();
            final long batches = cell.batches();
            final String runId = "grid-" + GridPlots.slug(cell.arm().name()) + "-" + variant.variant().id() + "-b"
                    + Math.round(100 * cell.cell().budget()) + "-s" + cell.cell().seed() + "-" + stamp;
            final TrainerOptions options = options(cell, n);
            final boolean[] flipped = flipped(variant);
            final RunRecorder recorder = new RunRecorder(variant.train().labels(), flipped, variant.train().numClasses(),
                    cell.arm().throughKafka() ? () -> stack.sampler().sampleStates(runId) : null, barListener());
            final Map<String, Double> runParams = paramsOf(cell.arm().policy(), batches, n);
            final long t0 = System.nanoTime();
            final TrainingResult result;
            final TrainingLoop loop = new TrainingLoop(options, variant.train(), test);
            if (cell.arm().throughKafka()) {
                final RunSpec runSpec = RunSpec.newBuilder().setRunId(runId).setDataset(dataset(variant.variant()))
                        .setPolicy(cell.arm().policy()).setParams(runParams).setBatchSize(batchSize)
                        .setSeed(cell.cell().seed()).setBudgetBatches(batches).setMinPopulation((long) n).build();
                result = trainThroughKafka(stack, runSpec, loop, recorder);
            } else {
                try (BatchSource source = new LocalUniformSource(runId, n, batchSize, cell.cell().seed(), batches)) {
                    result = loop.run(source, PredictionSink.NONE, recorder);
                }
            }
            final Map<String, Long> phases = new TreeMap<>(recorder.phases());
            final List<CellResult.ClassExtremes> extremes = recorder.extremes(variant.train().numClasses());
            return new CellResult(cell.arm().name(), cell.arm().policy(), cell.arm().feed(), cell.arm().augment(),
                    variant.variant().id(), cell.cell().budget(), cell.cell().seed(), runId, runParams, n, result.steps(),
                    result.images(), cell.fullBatches(), result.seconds(), (System.nanoTime() - t0) / 1e9,
                    LocalDateTime.now().toString(), recorder.points(), phases, recorder.histograms(), extremes);
        }

        /** Creates the run and trains rank 0 of it on batches from isgd.batches, with the grid's recorder listening. */
        private static TrainingResult trainThroughKafka(final LocalStack stack, final RunSpec runSpec, final TrainingLoop loop,
                                                        final RunRecorder recorder) {
            try {
                return KafkaTraining.createAndRun(stack, runSpec, (source, sink) -> loop.run(source, sink, recorder));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UsageException("interrupted while creating run " + runSpec.getRunId());
            } catch (ExecutionException e) {
                throw new UsageException("creating run " + runSpec.getRunId() + " failed: " + Errors.describe(e));
            }
        }

        private TrainerOptions options(final Cell cell, final int n) {
            flags.seed = cell.cell().seed();
            flags.augment = cell.arm().augment();
            flags.evalEvery = (int) Math.max(1, TrainCommand.ceilDiv(n, batchSize) / evalsPerEpoch);
            return flags.toOptions(cell.batches());
        }

        private static boolean[] flipped(final DataVariant.Variant variant) {
            if (variant.flippedCount() == 0) {
                return null;
            }
            final boolean[] flipped = new boolean[variant.train().size()];
            for (int i = 0; i < flipped.length; i++) {
                flipped[i] = variant.flipped(i);
            }
            return flipped;
        }

        private TrainingListener barListener() {
            return new TrainingListener() {
                private String accuracy = "";

                @Override
                public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                    bar.stepTo(barBase + step);
                    bar.setExtraMessage(barCell + accuracy + " [" + batch.phase() + "]");
                }

                @Override
                public void onEvaluation(final Evaluation evaluation) {
                    accuracy = String.format(Locale.ROOT, " acc %.4f", evaluation.testAccuracy());
                }
            };
        }

        /** The hardest/easiest image grid of a Kafka-fed run at the grid's largest budget and first seed. */
        private static void drawExtremes(final Path dir, final Cell cell, final CellResult result, final List<Double> budgetList,
                                         final List<Long> seedList, final String[] classes) {
            if (result.extremes().isEmpty() || cell.cell().budget() != Collections.max(budgetList)
                    || cell.cell().seed() != Collections.min(seedList)) {
                return;
            }
            final String name = String.format(Locale.ROOT, "extremes-%s-%s-b%d-s%d.png", result.data(),
                    GridPlots.slug(result.arm()), Math.round(100 * result.budget()), result.seed());
            ImageGrid.write(dir.resolve(GridPlots.DIR).resolve(name), String.format(Locale.ROOT,
                    "%s on %s, budget %s, seed %d: hardest and easiest training images per class (latest loss)%s",
                    result.arm(), result.data(), GridCell.percent(result.budget()), result.seed(),
                    cell.variant().flippedCount() > 0 ? "; red = flipped label" : ""), cell.variant(), result.extremes(),
                    classes);
        }

        private String command() {
            return "isgd " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        }

        private List<GridArm> arms() {
            final List<GridArm> arms = new ArrayList<>(List.of(new GridArm(GridArm.UNIFORM, UniformPolicy.NAME,
                    GridArm.KAFKA, flags.augment)));
            for (final String policy : policies == null ? List.copyOf(Policies.names()) : policies) {
                if (!Policies.known(policy)) {
                    throw new UsageException("unknown policy '" + policy + "'; choose from " + Policies.names());
                }
                if (arms.stream().noneMatch(a -> a.name().equals(policy))) {
                    arms.add(new GridArm(policy, policy, GridArm.KAFKA, flags.augment));
                }
            }
            if (localBaseline) {
                arms.add(new GridArm(GridArm.UNIFORM_LOCAL, UniformPolicy.NAME, GridArm.LOCAL, flags.augment));
            }
            if (strongAugment) {
                try {
                    Augmenter.Mode.parse(strongAugmentMode);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--strong-augment-mode: " + e.getMessage());
                }
                arms.add(new GridArm(GridArm.UNIFORM_STRONG_AUGMENT, UniformPolicy.NAME, GridArm.LOCAL, strongAugmentMode));
            }
            return arms;
        }

        private List<DataVariant> variants() {
            final List<String> ids = data != null ? data : quick ? List.of("balanced")
                    : Arrays.stream(DataVariant.values()).map(DataVariant::id).toList();
            try {
                return ids.stream().map(DataVariant::parse).distinct().toList();
            } catch (IllegalArgumentException e) {
                throw new UsageException("--data: " + e.getMessage());
            }
        }

        /** The --param values of one policy, plus early-importance's warm-up scaled to the budget unless given. */
        private Map<String, Double> paramsOf(final String policy, final long batches, final int n) {
            final Map<String, Double> own = new LinkedHashMap<>();
            params.forEach((key, value) -> {
                if (key.startsWith(policy + ".")) {
                    own.put(key.substring(policy.length() + 1), value);
                }
            });
            if (EarlyImportancePolicy.NAME.equals(policy) && !own.containsKey("warmupEpochs")) {
                own.put("warmupEpochs", warmupFraction * batches * batchSize / n);
            }
            return own;
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
            final String stamp = Stamp.now();
            final Path dir = Files.createDirectories(out);
            System.out.printf("bench feed: %d batches of %d per feed, model %s, policy %s, lead %d%n", batches, batchSize,
                    flags.model, policy, lead);
            local(data, n, warmupBatches);
            final TrainingResult kafka;
            try (LocalStack stack = LocalStack.start(dir.resolve("feed-work"))) {
                SampleRegistration.register(stack.client(), SampleRegistration.FASHION_MNIST, data.train().labels());
                final RunSpec spec = RunSpec.newBuilder().setRunId("feed-" + stamp).setDataset(SampleRegistration.FASHION_MNIST)
                        .setPolicy(policy).setParams(Map.of()).setBatchSize(batchSize).setLead(lead)
                        .setBudgetBatches((long) batches).setMinPopulation((long) n).build();
                kafka = KafkaTraining.createAndTrain(stack, spec, data, flags.toOptions(batches), batches,
                        source -> { }).result();
            }
            final TrainingResult local = local(data, n, batches);
            final double ratio = kafka.imagesPerSecond() / local.imagesPerSecond();
            System.out.printf(Locale.ROOT, "%nfed through Kafka: %.0f images/s (first batch after %.1f s)%n"
                    + "in-process loader: %.0f images/s%nratio (Kafka ÷ local): %.3f%n"
                    + "per batch in the feed (source and sink: waiting, decoding, publishing, acknowledging): "
                    + "Kafka %.0f µs wall, %.0f µs of the training thread's CPU; local %.0f µs wall, %.0f µs CPU%n"
                    + "machine: %s%n", kafka.imagesPerSecond(), kafka.firstBatchSeconds(), local.imagesPerSecond(),
                    ratio, perBatch(kafka.feedSeconds(), kafka), perBatch(kafka.feedCpuSeconds(), kafka),
                    perBatch(local.feedSeconds(), local), perBatch(local.feedCpuSeconds(), local), Machine.describe());
            final Path json = dir.resolve("feed-" + stamp + ".json");
            final Map<String, Object> record = new java.util.LinkedHashMap<>();
            record.put("command", "isgd bench feed");
            record.put("batches", batches);
            record.put("batchSize", batchSize);
            record.put("model", flags.model);
            record.put("policy", policy);
            record.put("lead", lead);
            record.put("kafkaImagesPerSecond", kafka.imagesPerSecond());
            record.put("localImagesPerSecond", local.imagesPerSecond());
            record.put("ratio", ratio);
            record.put("kafkaFirstBatchSeconds", kafka.firstBatchSeconds());
            record.put("kafkaFeedMicrosPerBatch", perBatch(kafka.feedSeconds(), kafka));
            record.put("kafkaFeedCpuMicrosPerBatch", perBatch(kafka.feedCpuSeconds(), kafka));
            record.put("localFeedMicrosPerBatch", perBatch(local.feedSeconds(), local));
            record.put("localFeedCpuMicrosPerBatch", perBatch(local.feedCpuSeconds(), local));
            record.put("machine", Machine.describe());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), record);
            System.out.println("result: " + json);
            return 0;
        }

        private static double perBatch(final double seconds, final TrainingResult result) {
            return result.steps() > 1 ? seconds * 1e6 / (result.steps() - 1) : Double.NaN;
        }

        private TrainingResult local(final FashionMnist.Split data, final int n, final int count) {
            try (BatchSource source = new LocalUniformSource("local", n, batchSize, 0, count)) {
                return TrainingRun.run(flags.toOptions(count), data, source, PredictionSink.NONE, count).result();
            }
        }
    }

    @Command(name = "jmh", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "JMH micro-benchmarks of data structures and encodings: the sum tree (one mass update, one "
                    + "proportional draw, at 1M and 10M samples) and a PredictionBatch's columns packed or as Avro "
                    + "arrays (encode and decode, 128 and 1,024 rows).")
    static final class JmhBench implements Callable<Integer> {
        @Option(names = "--include", defaultValue = ".*", paramLabel = "REGEX",
                description = "Benchmarks whose class or method name matches, e.g. SumTree or ColumnEncoding.")
        String include;
        @Option(names = "--forks", defaultValue = "1", description = "JMH forks.")
        int forks;
        @Option(names = "--iterations", defaultValue = "5", description = "Measurement iterations of 1 s.")
        int iterations;
        @Option(names = "--out", defaultValue = "${sys:user.home}/.isgd/bench",
                description = "Results go to jmh-<time>.json under this directory.")
        Path out;

        @Override
        public Integer call() throws Exception {
            final Path json = Files.createDirectories(out).resolve("jmh-" + Stamp.now() + ".json");
            final org.openjdk.jmh.runner.options.Options options = new org.openjdk.jmh.runner.options.OptionsBuilder()
                    .include("org\\.isgd\\.infra\\.bench\\.jmh\\..*(" + include + ").*")
                    .forks(forks).warmupIterations(2).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                    .measurementIterations(iterations).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                    .jvmArgsAppend("-Xmx2g").resultFormat(org.openjdk.jmh.results.format.ResultFormatType.JSON)
                    .result(json.toString()).build();
            final java.util.Collection<org.openjdk.jmh.results.RunResult> results =
                    new org.openjdk.jmh.runner.Runner(options).run();
            if (results.isEmpty()) {
                throw new UsageException("no benchmark matches --include " + include
                        + " (there are SumTreeBenchmark and ColumnEncodingBenchmark)");
            }
            System.out.printf("%n%-40s %-16s %14s %s%n", "benchmark", "params", "score", "unit");
            for (final org.openjdk.jmh.results.RunResult result : results) {
                final org.openjdk.jmh.results.Result<?> primary = result.getPrimaryResult();
                final String params = result.getParams().getParamsKeys().stream()
                        .map(k -> k + "=" + result.getParams().getParam(k)).collect(java.util.stream.Collectors.joining(","));
                System.out.printf(Locale.ROOT, "%-40s %-16s %8.2f ± %.2f %s%n", result.getParams().getBenchmark()
                        .replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"), params, primary.getScore(), primary.getScoreError(),
                        primary.getScoreUnit());
            }
            System.out.println("machine: " + Machine.describe());
            System.out.println("result: " + json);
            return 0;
        }
    }
}
