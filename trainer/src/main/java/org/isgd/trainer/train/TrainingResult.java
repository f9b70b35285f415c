package org.isgd.trainer.train;

import java.util.List;

/**
 * What a training run did.
 *
 * @param steps batches trained
 * @param images samples trained (sum of batch sizes)
 * @param seconds wall time of the training loop from the arrival of its first batch, waiting for later
 *     batches included, evaluations excluded
 * @param imagesPerSecond {@code images / seconds}: the speed once training is under way
 * @param firstBatchSeconds how long the loop waited for its first batch (a new run's start, the
 *     sampler settling), not part of {@code seconds}
 * @param finalEvaluation the evaluation after the last step
 * @param evaluations every evaluation, in step order, the final one included
 */
public record TrainingResult(long steps, long images, double seconds, double imagesPerSecond,
                             Evaluation finalEvaluation, List<Evaluation> evaluations, double firstBatchSeconds) {
}
