package org.isgd.trainer.train;

/**
 * What a saved checkpoint records besides the parameters.
 *
 * @param step this rank's step count when it was saved (batches trained since the run began)
 * @param lastBatchSeq the batchSeq of the last batch trained into the saved parameters
 * @param model the model name the parameters belong to, e.g. {@code tiny}
 */
public record Checkpoint(long step, long lastBatchSeq, String model) {
}
