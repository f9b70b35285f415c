package org.isgd.infra.bench.accuracy;

import org.isgd.trainer.data.DataVariant;

/**
 * A cell of the grid still to train, with what it trains on.
 *
 * @param fullBatches batches of the full schedule (100% budget) on this data variant
 */
public record PlannedCell(GridArm arm, GridCell cell, DataVariant.Variant variant, long fullBatches) {
    /** Batches of the cell's budget, at least one. */
    public long batches() {
        return Math.max(1, Math.round(cell.budget() * fullBatches));
    }

    long images(final int batchSize) {
        return batches() * batchSize;
    }
}
