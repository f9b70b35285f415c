package org.isgd.infra.local;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.isgd.contract.CandidateSelection;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.feed.ReferenceLosses;
import org.isgd.trainer.train.ModelSession;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingBatch;

/**
 * RHO-LOSS's irreducible losses: a model trained on a held-out split scores the training samples
 * (their cross-entropy under it), and the losses travel on {@code isgd.irreducible-losses} to the
 * trainers of {@code rho-loss} runs.
 */
public final class IrreducibleLoss {
    /** Evaluation batch size of the scoring pass. */
    private static final int SCORE_BATCH = 1000;

    private IrreducibleLoss() {
    }

    /** Images {@code [from, from + count)} of {@code images}, ids renumbered from 0. */
    public static LabelledImages slice(final LabelledImages images, final int from, final int count) {
        final int to = Math.min(images.size(), from + count);
        if (from < 0 || from >= to) {
            throw new IllegalArgumentException("no images in [" + from + ", " + (from + count) + ") of a set of "
                    + images.size());
        }
        return new LabelledImages(Arrays.copyOfRange(images.pixels(), from * images.imageSize(), to * images.imageSize()),
                Arrays.copyOfRange(images.labels(), from, to), images.rows(), images.cols(), images.numClasses());
    }

    /**
     * Trains {@code options.model()} on {@code holdout} for {@code epochs} uniform epochs (options'
     * seed, learning rate and augmentation) and returns the cross-entropy of every image of
     * {@code train} under it.
     */
    public static float[] losses(final TrainerOptions options, final LabelledImages holdout, final LabelledImages train,
                                 final int batchSize, final double epochs) {
        final long batches = Math.max(1, Math.round(epochs * Math.ceil(holdout.size() / (double) batchSize)));
        try (ModelSession session = ModelSession.open(options, holdout);
             LocalUniformSource source = new LocalUniformSource("irreducible", holdout.size(), batchSize, options.seed(),
                     batches)) {
            Optional<TrainingBatch> next;
            while ((next = source.next(Duration.ZERO)).isPresent()) {
                session.train(next.get());
            }
            return session.losses(train, SCORE_BATCH);
        }
    }

    /** Publishes losses[i] as sample i's irreducible loss in {@code dataset}. */
    public static void publish(final String bootstrap, final Map<String, Object> extra, final String dataset,
                               final String model, final float[] losses) {
        final long[] ids = new long[losses.length];
        Arrays.setAll(ids, i -> i);
        ReferenceLosses.publish(bootstrap, extra, dataset, model, ids, losses);
    }

    /**
     * The candidate rule of a rank of a run (null without candidate batches), seeded by the run's
     * seed and the rank; a rho-loss rule gets the irreducible losses of the run's dataset's samples
     * 0..trainSize−1 from {@code isgd.irreducible-losses}.
     */
    public static CandidateSelection candidates(final RunSpec spec, final int rank, final String bootstrap,
                                                final Map<String, Object> extra, final int trainSize) {
        final CandidateSelection rule = CandidateSelection.forRun(spec.getPolicy(), spec.getParams(),
                spec.getBatchSize(), spec.getSeed() * 0x9E3779B97F4A7C15L + rank);
        if (rule != null && CandidateSelection.RHO_LOSS.equals(rule.policy())) {
            final float[] losses = ReferenceLosses.read(bootstrap, extra, spec.getDataset(), trainSize,
                    Duration.ofSeconds(60));
            final long known = java.util.stream.IntStream.range(0, losses.length).filter(i -> !Float.isNaN(losses[i]))
                    .count();
            if (known == 0) {
                throw new IllegalStateException("run " + spec.getRunId() + " is rho-loss but no irreducible losses of "
                        + "dataset " + spec.getDataset() + " are on isgd.irreducible-losses: publish them first "
                        + "('infra/isgd irreducible --dataset " + spec.getDataset() + "')");
            }
            rule.withIrreducible(losses);
        }
        return rule;
    }
}
