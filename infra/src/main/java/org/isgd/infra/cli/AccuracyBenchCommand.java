package org.isgd.infra.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isgd.contract.CandidateSelection;
import org.isgd.infra.bench.accuracy.CellTrainer;
import org.isgd.infra.bench.accuracy.DurationEstimate;
import org.isgd.infra.bench.accuracy.GridArm;
import org.isgd.infra.bench.accuracy.GridPlan;
import org.isgd.infra.bench.accuracy.GridRunner;
import org.isgd.infra.bench.accuracy.GridSettings;
import org.isgd.infra.bench.accuracy.ResultsLog;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.RepoPaths;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.IrreducibleLoss;
import org.isgd.infra.local.TrainingRun;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.RhoLossPolicy;
import org.isgd.sampler.policy.UniformPolicy;
import org.isgd.trainer.data.Augmenter;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.data.LabelledImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isgd bench accuracy}: the grid's axes and settings from the command line; {@link GridRunner} trains it. */
@Command(name = "accuracy", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"The accuracy grid: arms (uniform and each policy fed through Kafka by the sampler, uniform "
                + "from the in-process loader, and uniform with stronger augmentation) × data variants × budgets × "
                + "seeds. Each finished run is appended to results.jsonl in a run directory named after the "
                + "settings, so rerunning the same command resumes; evaluations.csv/json, summary.md and plots/ "
                + "are rewritten after every run. 'isgd report DIR' makes an HTML page of it.",
            "Results go to accuracy-e<epochs>-b<batch>-<settings hash>/ under --out; the same settings always give "
                + "the same directory, so rerunning a command resumes it.",
            "Data: balanced = Fashion-MNIST; long-tail = a seeded subset with n_c = n_max·100^(−c/9); "
                + "label-noise = 20%% of labels replaced by a random other class. The test set is always the "
                + "balanced, clean test split."})
final class AccuracyBenchCommand implements Callable<Integer> {
    @Mixin
    TrainerFlags flags;
    @Mixin
    BatchOptions batch;
    @Mixin
    OutputOptions output;
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "A one-seed slice: seed 0, budget 100%%, balanced data (unless --data, "
            + "--budgets or --seeds say otherwise), 20,000 training samples, 3 epochs: a few minutes.")
    boolean quick;
    @Option(names = "--policies", split = ",", description = "Policies fed through Kafka (uniform always runs). "
            + "Default: all.")
    List<String> policies;
    @Option(names = "--presample", split = ",", paramLabel = "K",
            description = "Also train upper-bound and selective-backprop (those of --policies) with candidate batches: "
                    + "the sampler sends K·batch uniform candidates, the trainer scores them with a forward pass and "
                    + "trains a batch of them chosen by the fresh scores (arms named '<policy> presample=K'). "
                    + "Repeatable or comma-separated; K in [2, " + CandidateSelection.MAX_PRESAMPLE + "].")
    List<Integer> presample = new ArrayList<>();
    @Option(names = "--holdout", paramLabel = "N",
            description = "rho-loss and --reference: the reference model trains on the N training images after the "
                    + "grid's (--limit must leave them), made into each variant as the training set is (another "
                    + "seed). Default: as many as the grid's (RHO-LOSS's even split), at most the 60,000 - --limit "
                    + "left; under 20%% label noise a reference model on 10,000 beside 20,000 cost rho-loss 1.7 "
                    + "points, one on 20,000 did not (docs/results/presample).")
    Integer holdoutSize;
    @Option(names = "--reference-epochs", paramLabel = "EPOCHS", description = "How long the reference model trains "
            + "on the --holdout images. Default: the grid's --epochs.")
    Double referenceEpochs;
    @Option(names = "--reference", description = "Train the reference model on the --holdout images and publish the "
            + "irreducible losses before every Kafka-fed arm, not only rho-loss: the other policies' noise guards then "
            + "flag the samples it gives their label less than referenceP (default 0.05, selective-backprop's "
            + "0.2) of what it gives the label's median sample.")
    boolean reference;
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
    @Option(names = "--data-seed", defaultValue = "0", description = "Seed of the long-tail subset and the flipped labels.")
    long dataSeed;
    @Option(names = "--imbalance-ratio", defaultValue = "100", paramLabel = "RHO",
            description = "long-tail: largest class over smallest (>= 1).")
    double imbalanceRatio;
    @Option(names = "--imbalance-profile", defaultValue = "exponential", paramLabel = "PROFILE",
            description = "long-tail: exponential (n_c = n_max * rho^(-c/(C-1))) or step (half the classes keep "
                    + "n_max, the others n_max/rho).")
    String imbalanceProfile;
    @Option(names = "--noise-rate", defaultValue = "0.2", paramLabel = "RATE",
            description = "label-noise: share of labels replaced, in [0, 1).")
    double noiseRate;
    @Option(names = "--noise-kind", defaultValue = "symmetric", paramLabel = "KIND",
            description = "label-noise: symmetric (a random other class) or class-dependent (class c becomes c+1 mod C).")
    String noiseKind;
    @Option(names = "--warmup-fraction", defaultValue = "0.333",
            description = "early-importance's warmupEpochs as a fraction of each run's budget (the policy's own "
                    + "default of 2 epochs would leave a 30%% budget of 3 epochs all warm-up); "
                    + "--param early-importance.warmupEpochs=X overrides it.")
    double warmupFraction;
    @Option(names = "--evals-per-epoch", defaultValue = "4", description = "Test-set evaluations per epoch.")
    int evalsPerEpoch;
    @Option(names = "--local-baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also train uniform from the in-process loader.")
    boolean localBaseline;
    @Option(names = "--strong-augment", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also train '" + GridArm.UNIFORM_STRONG_AUGMENT + "': Arazo et al.'s strong baseline, "
                    + "uniform with the strongest augmentation the trainer offers (--strong-augment-mode).")
    boolean strongAugment;
    @Option(names = "--strong-augment-mode", defaultValue = "mixup",
            description = "Augmentation of the strong-baseline arm: mixup (crop + flip, then mixup, alpha 1.0), "
                    + "ricap (crop + flip, then RICAP, beta 0.3), standard (crop + flip) or none. Default: ${DEFAULT-VALUE}.")
    String strongAugmentMode;
    @Option(names = "--plan-only", description = "Print the grid, what is already done and the expected duration; train nothing.")
    boolean planOnly;

    @Override
    public Integer call() throws Exception {
        final int samples = limit != null ? limit : quick ? 20_000 : Integer.MAX_VALUE;
        final List<GridArm> arms = arms(samples < FashionMnist.TRAIN_SIZE);
        final List<DataVariant> variants = variants();
        final List<Double> budgetList = budgets != null ? budgets : quick ? List.of(1.0) : List.of(0.3, 0.5, 1.0);
        final List<Long> seedList = seeds != null ? seeds : quick ? List.of(0L) : List.of(0L, 1L, 2L);
        budgetList.forEach(b -> {
            if (!(b > 0 && b <= 1)) {
                throw new UsageException("--budgets takes fractions in (0, 1], got " + b);
            }
        });
        if (referenceEpochs != null && !(referenceEpochs > 0)) {
            throw new UsageException("--reference-epochs takes a number of epochs > 0, got " + referenceEpochs);
        }
        final int epochCount = quick ? 3 : epochs;
        final CellTrainer.Reference referenceModel = reference(arms, samples, epochCount);
        final GridSettings settings = new GridSettings(epochCount, batch.batchSize, flags.model, flags.learningRate,
                flags.augment, strongAugmentMode, dataSeed, samples == Integer.MAX_VALUE ? 0 : samples,
                warmupFraction, evalsPerEpoch, params, shape());
        final Path dir = output.out.resolve(settings.directoryName());
        final var finished = ResultsLog.in(dir).read();
        final FashionMnist.Split source = FashionMnist.load(DataSetup.ensureFashionMnist(false), samples, Integer.MAX_VALUE);
        final Map<DataVariant, DataVariant.Variant> variantData = new LinkedHashMap<>();
        variants.forEach(v -> variantData.put(v, v.apply(source.train(), dataSeed, settings.shape())));
        final GridPlan plan = GridPlan.of(settings, arms, variantData, budgetList, seedList, finished);
        plan.print(System.out, dir);
        if (referenceModel != null) {
            System.out.printf(Locale.ROOT, "  reference model: %s epochs on the held-out training images %d..%d%n",
                    referenceModel.epochs(), samples, samples + referenceModel.holdout().size() - 1);
        }
        if (planOnly) {
            return 0;
        }
        final CellTrainer trainer = new CellTrainer(settings, flags::toOptions, source.test(), Stamp.now(),
                referenceModel);
        GridSettings.recordInvocation(dir, settings, Machine.describe(), command(), LocalDateTime.now().toString());
        final long started = System.nanoTime();
        final String tables = new GridRunner(dir, plan, trainer, TrainingRun.FASHION_MNIST_CLASSES).run();
        System.out.println();
        System.out.println(tables);
        System.out.printf(Locale.ROOT, "grid: %d runs in %s; machine: %s%n", plan.todo().size(),
                DurationEstimate.format((System.nanoTime() - started) / 1e9), Machine.describe());
        System.out.println("results: " + dir + " (results.jsonl, evaluations.csv/json, summary.md, plots/)");
        System.out.println("report:  infra/isgd report " + dir);
        System.out.println("log: " + Isgd.logFile("bench"));
        return 0;
    }

    /** The reference model's holdout and epochs; null without a rho-loss arm or --reference. */
    private CellTrainer.Reference reference(final List<GridArm> arms, final int samples, final int epochs) {
        if (!reference && arms.stream().noneMatch(a -> RhoLossPolicy.NAME.equals(a.policy()))) {
            return null;
        }
        final int available = FashionMnist.TRAIN_SIZE - samples;
        if (samples == Integer.MAX_VALUE || available < 1) {
            throw new UsageException("the reference model (rho-loss, --reference) trains on training images after the "
                    + "grid's: use --limit below " + FashionMnist.TRAIN_SIZE + " (e.g. --limit 30000)");
        }
        final int size = holdoutSize != null ? holdoutSize : Math.min(samples, available);
        if (size < 1 || size > available) {
            throw new UsageException("--holdout " + size + ": the reference model trains on the training images after "
                    + "the grid's " + samples + ", of which " + available + " are left; use --holdout at most "
                    + available + " (or a smaller --limit)");
        }
        final LabelledImages all = FashionMnist.load(DataSetup.ensureFashionMnist(false), samples + size, 1)
                .train();
        return new CellTrainer.Reference(IrreducibleLoss.slice(all, samples, size),
                referenceEpochs == null ? epochs : referenceEpochs, reference);
    }

    /** The command line as grid.json records it, paths under the repository relative to it. */
    private String command() {
        return RepoPaths.here().command(spec.commandLine().getParseResult().originalArgs());
    }

    /** @param holdoutLeft whether --limit leaves training images for a reference model */
    private List<GridArm> arms(final boolean holdoutLeft) {
        final List<GridArm> arms = new ArrayList<>(List.of(new GridArm(GridArm.UNIFORM, UniformPolicy.NAME,
                GridArm.KAFKA, flags.augment)));
        final List<String> names = new ArrayList<>(policies == null ? Policies.names() : policies);
        if (policies == null && !holdoutLeft) {
            names.remove(RhoLossPolicy.NAME);
            System.out.println("rho-loss left out: its reference model needs training images outside the grid's; give "
                    + "--limit below " + FashionMnist.TRAIN_SIZE + " to include it");
        }
        for (final String policy : names) {
            if (!Policies.known(policy)) {
                throw new UsageException("unknown policy '" + policy + "'; choose from " + Policies.names());
            }
            if (arms.stream().noneMatch(a -> a.name().equals(policy))) {
                arms.add(new GridArm(policy, policy, GridArm.KAFKA, flags.augment));
            }
        }
        for (final int k : presample) {
            if (k < 2 || k > CandidateSelection.MAX_PRESAMPLE) {
                throw new UsageException("--presample takes K in [2, " + CandidateSelection.MAX_PRESAMPLE + "], got " + k);
            }
            for (final String policy : List.of(CandidateSelection.UPPER_BOUND, CandidateSelection.SELECTIVE_BACKPROP)) {
                if (policies == null || policies.contains(policy)) {
                    arms.add(GridArm.presampled(policy, k, flags.augment));
                }
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

    private DataVariant.Shape shape() {
        final DataVariant.Profile profile;
        final DataVariant.NoiseKind kind;
        try {
            profile = DataVariant.Shape.parse(DataVariant.Profile.class, imbalanceProfile);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--imbalance-profile: " + e.getMessage());
        }
        try {
            kind = DataVariant.Shape.parse(DataVariant.NoiseKind.class, noiseKind);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--noise-kind: " + e.getMessage());
        }
        try {
            return new DataVariant.Shape(imbalanceRatio, profile, noiseRate, kind);
        } catch (IllegalArgumentException e) {
            throw new UsageException((e.getMessage().startsWith("noise") ? "--noise-rate: " : "--imbalance-ratio: ")
                    + e.getMessage());
        }
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
}
