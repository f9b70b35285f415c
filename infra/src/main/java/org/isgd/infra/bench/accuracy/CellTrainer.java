package org.isgd.infra.bench.accuracy;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.isgd.contract.CandidateSelection;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.IrreducibleLoss;
import org.isgd.infra.local.KafkaTraining;
import org.isgd.infra.local.LocalStack;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.sampler.policy.EarlyImportancePolicy;
import org.isgd.sampler.policy.RhoLossPolicy;
import org.isgd.sampler.policy.UniformPolicy;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingListener;
import org.isgd.trainer.train.TrainingLoop;
import org.isgd.trainer.train.TrainingResult;

/**
 * Trains one cell of the grid — fed through Kafka by the local stack's sampler, or from the
 * in-process loader — and returns its {@link CellResult}. Every cell gets trainer options of its
 * own: its seed, augmentation, evaluation interval and length.
 */
public final class CellTrainer {
    /** The trainer options of a cell: the grid's model, learning rate and timeout with the cell's own settings. */
    @FunctionalInterface
    public interface Options {
        TrainerOptions of(long maxBatches, long seed, String augment, int evalEvery);
    }

    private final GridSettings settings;
    private final Options options;
    private final LabelledImages test;
    private final String stamp;
    private final Reference reference;
    /** Datasets whose irreducible losses this grid has published. */
    private final java.util.Set<String> published = new java.util.HashSet<>();

    /**
     * @param test  the test set every cell is evaluated on
     * @param stamp the suffix of the cells' run ids, e.g. the time the command started
     */
    public CellTrainer(final GridSettings settings, final Options options, final LabelledImages test,
                       final String stamp) {
        this(settings, options, test, stamp, null);
    }

    /**
     * The reference model of a grid (RHO-LOSS's irreducible-loss model).
     *
     * @param holdout training images outside the grid's (the held-out split, made into each variant
     *     as the training set is)
     * @param epochs how long it trains on them
     * @param forAll publish the irreducible losses before every Kafka-fed cell, not only rho-loss's:
     *     the noise guards of the other policies then use the reference model too
     */
    public record Reference(LabelledImages holdout, double epochs, boolean forAll) {
    }

    /** @param reference null when no arm is rho-loss and no --reference was asked for */
    public CellTrainer(final GridSettings settings, final Options options, final LabelledImages test,
                       final String stamp, final Reference reference) {
        this.settings = settings;
        this.options = options;
        this.test = test;
        this.stamp = stamp;
        this.reference = reference;
    }

    /** The dataset a data variant's samples are registered under. */
    public static String dataset(final DataVariant variant) {
        return variant == DataVariant.BALANCED ? SampleRegistration.FASHION_MNIST
                : SampleRegistration.FASHION_MNIST + "-" + variant.id();
    }

    /**
     * @param stack    the local stack with the variant's samples registered; only for a Kafka-fed cell
     * @param progress told of every batch and evaluation
     */
    CellResult train(final PlannedCell cell, final LocalStack stack, final TrainingListener progress) {
        final DataVariant.Variant variant = cell.variant();
        final int n = variant.train().size();
        final long batches = cell.batches();
        final String runId = "grid-" + GridPlots.slug(cell.arm().name()) + "-" + variant.variant().id() + "-b"
                + Math.round(100 * cell.cell().budget()) + "-s" + cell.cell().seed() + "-" + stamp;
        final RunRecorder recorder = new RunRecorder(variant.train().labels(), flipped(variant),
                variant.train().numClasses(), cell.arm().throughKafka() ? () -> stack.sampler().sampleStates(runId) : null,
                progress);
        final Map<String, Double> runParams = params(cell.arm().policy(), batches, n);
        if (cell.arm().presample() > 1) {
            runParams.put(CandidateSelection.PRESAMPLE, (double) cell.arm().presample());
        }
        final boolean rho = RhoLossPolicy.NAME.equals(cell.arm().policy());
        if (cell.arm().throughKafka() && (rho || reference != null && reference.forAll())) {
            publishIrreducibleLosses(stack, variant); // once per variant, before the cell's clock starts
        }
        final long t0 = System.nanoTime();
        final TrainingResult result;
        if (cell.arm().throughKafka()) {
            final RunSpec runSpec = RunSpec.newBuilder().setRunId(runId).setDataset(dataset(variant.variant()))
                    .setPolicy(cell.arm().policy()).setParams(runParams).setBatchSize(settings.batchSize())
                    .setSeed(cell.cell().seed()).setBudgetBatches(batches).setMinPopulation((long) n).build();
            final TrainingLoop loop = new TrainingLoop(options(cell), variant.train(), test,
                    IrreducibleLoss.candidates(runSpec, 0, stack.bootstrapServers(), Map.of(), n));
            result = trainThroughKafka(stack, runSpec, loop, recorder);
        } else {
            try (BatchSource source = new LocalUniformSource(runId, n, settings.batchSize(), cell.cell().seed(), batches)) {
                result = new TrainingLoop(options(cell), variant.train(), test).run(source, PredictionSink.NONE, recorder);
            }
        }
        final Map<String, Long> phases = new TreeMap<>(recorder.phases());
        final List<CellResult.ClassExtremes> extremes = recorder.extremes(variant.train().numClasses());
        final CellResult.NoiseGuard guard = cell.arm().throughKafka() && variant.flippedCount() > 0
                && !cell.arm().policy().equals(UniformPolicy.NAME) && !cell.arm().policy().equals(RhoLossPolicy.NAME)
                ? noiseGuard(stack, runId, variant) : null; // uniform and rho-loss have no guard
        return new CellResult(cell.arm().name(), cell.arm().policy(), cell.arm().feed(), cell.arm().augment(),
                variant.variant().id(), cell.cell().budget(), cell.cell().seed(), runId, runParams, n, result.steps(),
                result.images(), cell.fullBatches(), result.seconds(), (System.nanoTime() - t0) / 1e9,
                LocalDateTime.now().toString(), recorder.points(), phases, recorder.histograms(), extremes, guard);
    }

    /**
     * Once per variant: trains the reference model on the holdout made into the variant (its noise
     * or imbalance, another seed) for its epochs, and publishes each training
     * sample's loss under it as the variant's dataset's irreducible losses.
     */
    private void publishIrreducibleLosses(final LocalStack stack, final DataVariant.Variant variant) {
        final String dataset = dataset(variant.variant());
        if (published.contains(dataset)) {
            return;
        }
        if (reference == null) {
            throw new UsageException("rho-loss and --reference need a held-out split: run the grid with --limit below "
                    + "the 60,000 training images, so that the images after it can be the holdout");
        }
        final long t0 = System.nanoTime();
        final LabelledImages holdout = variant.variant().apply(reference.holdout(), settings.dataSeed() + 1,
                settings.shape()).train();
        final float[] losses = IrreducibleLoss.losses(options.of(1, 0, settings.augment(), Integer.MAX_VALUE),
                holdout, variant.train(), settings.batchSize(), reference.epochs());
        IrreducibleLoss.publish(stack.bootstrapServers(), Map.of(), dataset, settings.model() + " on a holdout of "
                + holdout.size() + ", " + reference.epochs() + " epochs", losses);
        published.add(dataset);
        org.slf4j.LoggerFactory.getLogger(CellTrainer.class).info("irreducible losses of {}: reference model on {} "
                + "held-out samples trained and scored in {} s", dataset, holdout.size(),
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    }

    /** The run's suspects as the sampler's latest snapshot of it lists them, against the flipped labels. */
    private static CellResult.NoiseGuard noiseGuard(final LocalStack stack, final String runId,
                                                    final DataVariant.Variant variant) {
        final List<Long> suspects = stack.sampler().snapshots().get(runId).map(s -> s.suspects()).orElse(List.of());
        final long flippedSuspects = suspects.stream().filter(id -> id >= 0 && id < variant.trueLabels().length
                && variant.flipped(id.intValue())).count();
        return new CellResult.NoiseGuard(suspects.size(), flippedSuspects, variant.flippedCount());
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

    /** The cell's seed, its arm's augmentation, its length, and {@code evalsPerEpoch} evaluations an epoch. */
    TrainerOptions options(final PlannedCell cell) {
        final long perEpoch = (cell.variant().train().size() + settings.batchSize() - 1) / settings.batchSize();
        return options.of(cell.batches(), cell.cell().seed(), cell.arm().augment(),
                (int) Math.max(1, perEpoch / settings.evalsPerEpoch()));
    }

    /** The grid's params of one policy, plus early-importance's warm-up scaled to the budget unless given. */
    Map<String, Double> params(final String policy, final long batches, final int n) {
        final Map<String, Double> own = new LinkedHashMap<>();
        settings.params().forEach((key, value) -> {
            if (key.startsWith(policy + ".")) {
                own.put(key.substring(policy.length() + 1), value);
            }
        });
        if (EarlyImportancePolicy.NAME.equals(policy) && !own.containsKey("warmupEpochs")) {
            own.put("warmupEpochs", settings.warmupFraction() * batches * settings.batchSize() / n);
        }
        return own;
    }

    /** Per sample, whether its label was flipped; null when none were. */
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
}
