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

    /**
     * The batch a candidate batch's selection trains: the candidates at {@code positions} (one may
     * appear twice), with {@code weights}, in {@code phase} (the selection's).
     */
    public TrainingBatch select(final int[] positions, final float[] selectedWeights, final String selectedPhase) {
        final long[] ids = new long[positions.length];
        for (int i = 0; i < positions.length; i++) {
            ids[i] = sampleIds[positions[i]];
        }
        return new TrainingBatch(runId, batchSeq, rank, ids, selectedWeights.clone(), policy, selectedPhase);
    }
}
