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
        return mayEmit(progress, progress.nextBatchSeq());
    }

    /** Whether batch k may be emitted (or, for a sharded run, requested from the shards) now. */
    public static boolean mayEmit(final RunProgress progress, final long k) {
        final RunSpec spec = progress.spec();
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

    /** Batches emitted but not yet acknowledged, per rank. */
    public static long[] leads(final RunProgress run) {
        final long[] lead = new long[run.acked().length];
        for (int rank = 0; rank < lead.length; rank++) {
            final long emittedForRank = run.nextBatchSeq() <= rank ? 0 : (run.nextBatchSeq() - 1 - rank) / lead.length + 1;
            final long ackedForRank = run.acked()[rank] < 0 ? 0 : run.acked()[rank] / lead.length + 1;
            lead[rank] = emittedForRank - ackedForRank;
        }
        return lead;
    }

    public static boolean budgetSpent(final RunSpec spec, final long nextBatchSeq) {
        return spec.getBudgetBatches() != null && nextBatchSeq >= spec.getBudgetBatches();
    }
}
