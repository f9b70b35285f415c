package org.isgd.trainer.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isgd.trainer.data.Augmenter;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.data.Mixing;
import org.isgd.trainer.model.Models;
import org.isgd.trainer.model.OfflineEngine;

/**
 * One model being trained: the DJL {@link Model} and {@link Trainer}, one weighted Adam step per
 * batch, and predictions on a test set. Every array a step creates lives in a per-batch
 * sub-manager closed at the end of the step, so memory stays flat however long the run.
 */
public final class ModelSession implements AutoCloseable {
    private final Model model;
    private final Trainer trainer;
    private final BatchInputs inputs;
    private final int rows;
    private final int cols;
    private final int classes;

    private ModelSession(final Model model, final Trainer trainer, final BatchInputs inputs, final LabelledImages train) {
        this.model = model;
        this.trainer = trainer;
        this.inputs = inputs;
        this.rows = train.rows();
        this.cols = train.cols();
        this.classes = train.numClasses();
    }

    /** Creates and initialises the network named in {@code options}, seeded with its seed. */
    public static ModelSession open(final TrainerOptions options, final LabelledImages train) {
        return open(options, train, null);
    }

    /**
     * Creates the network named in {@code options} with the parameters in {@code parameters} (as
     * written by {@link #saveParameters} for the same model), or seeded-initialised ones if null.
     * Training continues from them with a fresh optimizer state.
     *
     * @throws IllegalStateException when the file cannot be read or holds another model's parameters
     */
    public static ModelSession open(final TrainerOptions options, final LabelledImages train, final Path parameters) {
        final Engine engine = OfflineEngine.get();
        engine.setRandomSeed((int) options.seed());
        // One device: the GPU where present, else the CPU; every array of a step is created on it.
        final Device device = engine.defaultDevice();
        final Model model = Model.newInstance(options.model(), device);
        try {
            model.setBlock(Models.build(options.model(), train.numClasses()));
            if (parameters != null) {
                // before the trainer exists: it caches the parameter arrays it first sees
                load(model, parameters);
            }
            // The loss is computed here per sample and weighted; the config's loss is never called.
            final DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam()
                            .optLearningRateTracker(Tracker.fixed(options.learningRate())).build())
                    .optDevices(new Device[] {device});
            final Trainer trainer = model.newTrainer(config);
            trainer.initialize(new Shape(1, 1, train.rows(), train.cols()));
            final Augmenter augmenter = new Augmenter(options.augment(), train.rows(), train.cols(), options.seed());
            return new ModelSession(model, trainer, new BatchInputs(train, augmenter, options.seed()), train);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Trains on {@code batch}: forward, per-sample cross-entropy × weight, mean, backward, Adam
     * step. Without mixing the per-sample outcome comes from that same forward pass. With mixup or
     * RICAP the network trains on the blended batch against soft targets (the loss of position i
     * is {@code -Σ_c t'_i[c]·log p_i[c]}, multiplied by {@code weights[i]}), and the outcome comes
     * from a second, gradient-free forward pass over the un-mixed images with the same (pre-step)
     * parameters, so every figure the sampler receives is about the sample itself and its true
     * label; its {@code trainLoss} is still the mixed loss that was optimised.
     *
     * <p>A batch whose weights are all zero carries no gradient; its step is skipped because
     * Adam's momentum would otherwise still move the parameters (and DJL rejects an all-zero
     * first gradient).
     */
    public BatchOutcome train(final TrainingBatch batch) {
        inputs.assemble(batch);
        final Mixing.Mixed mixed = inputs.mixed();
        final int size = batch.size();
        final boolean anyWeight = hasPositive(batch.weights());
        final float[] trainedLogp;
        final float mixedLoss;
        try (NDManager scope = trainer.getManager().newSubManager()) {
            final NDArray x = images(scope, mixed == null ? inputs.pixels() : mixed.pixels(), size);
            final NDArray targets = scope.create(mixed == null ? inputs.oneHot() : mixed.targets(),
                    new Shape(size, classes));
            final NDArray weights = scope.create(batch.weights());
            try (GradientCollector collector = trainer.newGradientCollector()) {
                final NDArray logProbs = trainer.forward(new NDList(x)).singletonOrThrow().logSoftmax(1);
                final NDArray weighted = logProbs.mul(targets).sum(new int[] {1}).neg().mul(weights).mean();
                if (anyWeight) {
                    collector.backward(weighted);
                }
                trainedLogp = mixed == null ? logProbs.stopGradient().toFloatArray() : null;
                mixedLoss = mixed == null ? Float.NaN : weighted.stopGradient().getFloat();
            }
            // before the step, so the un-mixed figures use the parameters the gradient was taken at
            final float[] logp = mixed == null ? trainedLogp : unmixedLogProbabilities(scope, size);
            if (anyWeight) {
                trainer.step();
            }
            final BatchOutcome outcome = BatchOutcome.fromLogProbabilities(logp, classes, inputs.labels(),
                    batch.weights());
            return mixed == null ? outcome : outcome.withTrainLoss(mixedLoss);
        }
    }

    /**
     * Scores a candidate batch: a gradient-free forward pass over its (augmented, un-mixed)
     * images with the current parameters, every figure per candidate; no step. Its
     * {@code trainLoss} is the mean loss of the candidates.
     */
    public BatchOutcome score(final TrainingBatch batch) {
        inputs.assemble(batch);
        try (NDManager scope = trainer.getManager().newSubManager()) {
            final float[] logp = unmixedLogProbabilities(scope, batch.size());
            final float[] ones = new float[batch.size()];
            java.util.Arrays.fill(ones, 1f);
            return BatchOutcome.fromLogProbabilities(logp, classes, inputs.labels(), ones);
        }
    }

    /**
     * Log-softmax of a gradient-free forward pass over the batch's un-mixed images. The models have
     * no dropout or batch norm, so inference mode computes what a training-mode forward would.
     */
    private float[] unmixedLogProbabilities(final NDManager scope, final int size) {
        return trainer.evaluate(new NDList(images(scope, inputs.pixels(), size))).singletonOrThrow().logSoftmax(1)
                .toFloatArray();
    }

    private NDArray images(final NDManager scope, final float[] pixels, final int size) {
        return scope.create(pixels, new Shape(size, 1, rows, cols));
    }

    private static void load(final Model model, final Path parameters) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(parameters)))) {
            model.getBlock().loadParameters(model.getNDManager(), in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new IllegalStateException("cannot load the " + model.getName() + " parameters in " + parameters
                    + " (" + e.getMessage() + "); they were saved for another model or the file is damaged", e);
        }
    }

    /** The predicted class of every image in {@code images}, in inference mode, without augmentation. */
    public int[] predict(final LabelledImages images, final int batchSize) {
        final int[] predicted = new int[images.size()];
        inference(images, batchSize, (start, count, logp) -> {
            final long[] best = logp.argMax(1).toLongArray();
            for (int i = 0; i < count; i++) {
                predicted[start + i] = (int) best[i];
            }
        });
        return predicted;
    }

    /**
     * The cross-entropy of every image in {@code images} against its label, in inference mode,
     * without augmentation: a reference model's losses on another set (RHO-LOSS's irreducible loss).
     */
    public float[] losses(final LabelledImages images, final int batchSize) {
        final float[] losses = new float[images.size()];
        inference(images, batchSize, (start, count, logp) -> {
            final float[] values = logp.toFloatArray();
            for (int i = 0; i < count; i++) {
                losses[start + i] = -values[i * images.numClasses() + images.label(start + i)];
            }
        });
        return losses;
    }

    /** What to do with the log-softmax of images {@code [start, start + count)}. */
    @FunctionalInterface
    private interface Chunk {
        void accept(int start, int count, NDArray logp);
    }

    /** Runs inference over {@code images} in chunks of {@code batchSize}, handing each chunk's log-softmax on. */
    private void inference(final LabelledImages images, final int batchSize, final Chunk chunk) {
        final int imageSize = images.imageSize();
        for (int start = 0; start < images.size(); start += batchSize) {
            final int count = Math.min(batchSize, images.size() - start);
            final float[] pixels = new float[count * imageSize];
            System.arraycopy(images.pixels(), start * imageSize, pixels, 0, pixels.length);
            try (NDManager scope = trainer.getManager().newSubManager()) {
                final NDArray x = scope.create(pixels, new Shape(count, 1, images.rows(), images.cols()));
                chunk.accept(start, count, trainer.evaluate(new NDList(x)).singletonOrThrow().logSoftmax(1));
            }
        }
    }

    /** Writes every parameter (DJL's block format) to {@code out}; the optimizer's state is not included. */
    public void saveParameters(final DataOutputStream out) throws IOException {
        model.getBlock().saveParameters(out);
    }

    /** A copy of every parameter value, concatenated in block order (tests compare snapshots). */
    float[] parameterSnapshot() {
        int total = 0;
        final List<float[]> parts = new ArrayList<>();
        for (final Pair<String, Parameter> entry : model.getBlock().getParameters()) {
            final float[] values = entry.getValue().getArray().toFloatArray();
            parts.add(values);
            total += values.length;
        }
        final float[] all = new float[total];
        int offset = 0;
        for (final float[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }

    private static boolean hasPositive(final float[] weights) {
        for (final float w : weights) {
            if (w > 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        try {
            trainer.close();
        } finally {
            model.close();
        }
    }
}
