package org.isgd.sampler.policy;

import org.isgd.contract.CandidateSelection;

/** The parameters several policies share, declared once. */
final class CommonParams {
    static final Param EPSILON = Param.real("epsilon", CandidateSelection.DEFAULT_EPSILON, 0, 1,
            "share of uniform draws mixed into the proposal q (an ε-uniform floor)");
    static final Param MAX_WEIGHT = Param.real("maxWeight", CandidateSelection.DEFAULT_MAX_WEIGHT, 1, 1e9,
            "loss weights are clipped at this value");
    static final Param SUSPECT_P = Param.real("suspectP", 0.05, 0, 0.5,
            "noise guard: pCorrect below this while another class is predicted is a suspicious visit; 0 disables");
    static final Param SUSPECT_VISITS = Param.whole("suspectVisits", 3, 1, 1e6,
            "noise guard: consecutive suspicious visits that flag a sample as suspect");
    static final Param SUSPECT_CAP = Param.real("suspectCap", 0.5, 0, 1,
            "noise guard: a suspect's score is capped at this quantile of recent scores (0.5 the median, 0 the lowest)");

    static final Param REFERENCE_P = referenceP(0.05);

    /** The reference guard's threshold with the given default (selective-backprop's differs). */
    static Param referenceP(final double defaultValue) {
        return Param.real("referenceP", defaultValue, 0, 0.5,
                "noise guard: a sample whose irreducible loss (isgd.irreducible-losses) exceeds its label's median by "
                        + "more than -ln(referenceP) is a suspect from the start: the reference model gives its label "
                        + "less than referenceP of what it gives a typical sample of the label; 0 disables");
    }

    static final Param PRESAMPLE = Param.whole(CandidateSelection.PRESAMPLE, 1, 1, CandidateSelection.MAX_PRESAMPLE,
            "candidate batches: k > 1 sends k·batchSize uniform candidates (phase presample) that the trainer scores "
                    + "with a forward pass and selects batchSize of by the policy's rule on the fresh scores");

    private CommonParams() {
    }
}
