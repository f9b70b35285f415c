package org.isgd.sampler.sampling;

import org.isgd.sampler.store.RunProgress;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;

/**
 * When a run may have its next batch. Batch k goes to rank k mod W and is emitted only while
 * the rank has acknowledged all but {@code lead} of its earlier batches: trainers never starve,
 * importance never goes staler than {@code lead} batches, and nothing grows without bound.
 */
public final class FlowControl {
    private FlowControl() {
    }

    public static boolean mayEmitNext(final RunProgress progress) {
        final RunSpec spec = progress.spec();
        final long k = progress.nextBatchSeq();
        if (spec.getState() != RunState.ACTIVE || budgetSpent(spec, k)) {
            return false;
        }
        final int worldSize = progress.acked().length;
        final long acked = progress.acked()[(int) (k % worldSize)];
        // count in the rank's own batches: its k-th, against the number it has acknowledged
        final long ownIndex = k / worldSize;
        final long ownAcked = acked < 0 ? -1 : acked / worldSize;
        return ownIndex <= ownAcked + spec.getLead();
    }

    public static boolean budgetSpent(final RunSpec spec, final long nextBatchSeq) {
        return spec.getBudgetBatches() != null && nextBatchSeq >= spec.getBudgetBatches();
    }
}
