package org.isgd.sampler.api;

import java.time.Instant;
import org.isgd.sampler.store.SampleState;

/** A sample's state as the API shows it: the stored fields plus the update time in ISO-8601. */
record SampleView(int label, float pCorrect, float loss, float gradNormBound, int predicted, int visits, long lastStep,
                  long lastBatchSeq, long updatedAt, String updatedAtIso) {

    static SampleView of(final SampleState state) {
        return new SampleView(state.label(), state.pCorrect(), state.loss(), state.gradNormBound(), state.predicted(),
                state.visits(), state.lastStep(), state.lastBatchSeq(), state.updatedAt(), iso(state.updatedAt()));
    }

    static String iso(final long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** One sample of a list (hardest, suspects). */
    record Entry(long sampleId, SampleView state) {
    }

    /** One past state, with the time of the prediction that produced it. */
    record Past(long timestamp, String time, SampleView state) {
    }
}
