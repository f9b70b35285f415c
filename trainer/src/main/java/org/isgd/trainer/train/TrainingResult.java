package org.isgd.trainer.train;

import java.util.List;

/**
 * What a training run did.
 *
 * @param steps batches trained
 * @param images samples trained (sum of batch sizes)
 * @param seconds wall time of the training loop, waiting for batches included, evaluations excluded
 * @param imagesPerSecond {@code images / seconds}
 * @param finalEvaluation the evaluation after the last step
 * @param evaluations every evaluation, in step order, the final one included
 */
public record TrainingResult(long steps, long images, double seconds, double imagesPerSecond,
                             Evaluation finalEvaluation, List<Evaluation> evaluations) {
}
