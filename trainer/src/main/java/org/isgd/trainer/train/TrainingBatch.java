package org.isgd.trainer.train;

/**
 * One batch to train on, as the trainer sees it whatever its source: sample ids (indices into
 * the training set) and the weight each sample's loss is multiplied by.
 *
 * @param batchSeq 0, 1, 2, ... per run, without gaps
 * @param rank the trainer rank the batch is for
 * @param policy the sampling policy that drew the batch, e.g. {@code uniform}
 * @param phase warmup, importance, anneal or uniform
 */
public record TrainingBatch(String runId, long batchSeq, int rank, long[] sampleIds, float[] weights,
                            String policy, String phase) {
    public TrainingBatch {
        if (sampleIds.length == 0) {
            throw new IllegalArgumentException("batch " + batchSeq + " of run " + runId + " is empty");
        }
        if (sampleIds.length != weights.length) {
            throw new IllegalArgumentException("batch " + batchSeq + " of run " + runId + " has "
                    + sampleIds.length + " sample ids but " + weights.length + " weights");
        }
    }

    public int size() {
        return sampleIds.length;
    }
}
