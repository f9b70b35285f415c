package org.isgd.trainer.train;

import java.util.List;

/**
 * What a training run did.
 *
 * @param steps batches trained
 * @param images samples trained (sum of batch sizes; of a candidate batch, the selected ones)
 * @param seconds wall time of the training loop from the arrival of its first batch, waiting for later
 *     batches included, evaluations excluded
 * @param imagesPerSecond {@code images / seconds}: the speed once training is under way
 * @param firstBatchSeconds how long the loop waited for its first batch (a new run's start, the
 *     sampler settling), not part of {@code seconds}
 * @param feedSeconds wall time in the batch source and prediction sink after the first batch: waiting
 *     for batches, decoding, publishing, acknowledging (zero for the in-process loader but its shuffling)
 * @param feedCpuSeconds the training thread's CPU time in them (background sender and fetcher threads not included)
 * @param finalEvaluation the evaluation after the last step
 * @param evaluations every evaluation, in step order, the final one included
 * @param scoredImages candidates scored by a gradient-free forward pass (runs with presample; 0 otherwise)
 * @param scoringSeconds wall time of those forward passes and the selection, part of {@code seconds}
 */
public record TrainingResult(long steps, long images, double seconds, double imagesPerSecond,
                             Evaluation finalEvaluation, List<Evaluation> evaluations, double firstBatchSeconds,
                             double feedSeconds, double feedCpuSeconds, long scoredImages, double scoringSeconds) {
}
