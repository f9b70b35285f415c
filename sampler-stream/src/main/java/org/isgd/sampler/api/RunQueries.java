package org.isgd.sampler.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.store.SampleState;
import org.isgd.schemas.RunSpec;

/**
 * The answers about one run, given here by the instance that owns it: from the run's published
 * snapshot and the stores' interactive queries, never from the stream thread's live state.
 */
final class RunQueries {
    private final SamplerApp app;
    private final String self;

    RunQueries(final SamplerApp app, final String self) {
        this.app = app;
        this.self = self;
    }

    /** The answer to a run route ({@link Route#ownedByRun()}). */
    ApiResponse answer(final Route route, final RunSpec spec, final QueryParameters params) {
        return ApiResponse.ok(answerBody(route, spec, params));
    }

    /** The answer's body, before it becomes JSON. */
    Object answerBody(final Route route, final RunSpec spec, final QueryParameters params) {
        return switch (route.kind()) {
            case RUN -> RunView.of(snapshot(spec), self);
            case SAMPLE -> sample(spec, route.sampleId(), params.asOf());
            case HISTORY -> history(spec, route.sampleId());
            case HARDEST -> hardest(spec, params.k());
            case SUSPECTS -> suspects(spec);
            default -> throw new IllegalArgumentException(route.kind() + " is not a run route");
        };
    }

    /** A sample's state now or as of a time. */
    record SampleAnswer(String runId, String dataset, long sampleId, Long asOf, String asOfIso, boolean suspect,
                        SampleView state) {
    }

    /** Every state a sample had, oldest first. */
    record HistoryAnswer(String runId, String dataset, long sampleId, List<SampleView.Past> history) {
    }

    /** A list of samples with their current states. */
    record SamplesAnswer(String runId, String dataset, List<SampleView.Entry> samples) {
    }

    private RunSnapshot snapshot(final RunSpec spec) {
        return app.snapshots().get(spec.getRunId()).orElseThrow(() -> ApiException.unavailable("run '" + spec.getRunId()
                + "' is not loaded on its owner yet (created moments ago, or its spec was refused: see "
                + "isgd.dead-letters); retry"));
    }

    private SampleAnswer sample(final RunSpec spec, final long sampleId, final Long asOf) {
        final String runId = spec.getRunId();
        final Optional<SampleState> state = asOf == null ? app.sampleState(runId, sampleId)
                : app.stateAsOf(runId, sampleId, asOf);
        if (state.isEmpty()) {
            throw asOf == null ? missing(spec, sampleId) : missingAsOf(spec, sampleId, asOf);
        }
        final boolean suspect = app.snapshots().get(runId).map(s -> s.suspects().contains(sampleId)).orElse(false);
        return new SampleAnswer(runId, spec.getDataset(), sampleId, asOf, asOf == null ? null : SampleView.iso(asOf),
                suspect, SampleView.of(state.get()));
    }

    private HistoryAnswer history(final RunSpec spec, final long sampleId) {
        final List<SampleView.Past> past = new ArrayList<>();
        for (final SamplerApp.HistoryEntry entry : app.history(spec.getRunId(), sampleId)) {
            past.add(new SampleView.Past(entry.timestamp(), SampleView.iso(entry.timestamp()), SampleView.of(entry.state())));
        }
        if (past.isEmpty()) {
            throw missing(spec, sampleId);
        }
        return new HistoryAnswer(spec.getRunId(), spec.getDataset(), sampleId, past);
    }

    private SamplesAnswer hardest(final RunSpec spec, final int k) {
        final List<SampleView.Entry> hardest = new ArrayList<>();
        for (final Map.Entry<Long, SampleState> entry : app.hardest(spec.getRunId(), k)) {
            hardest.add(new SampleView.Entry(entry.getKey(), SampleView.of(entry.getValue())));
        }
        return new SamplesAnswer(spec.getRunId(), spec.getDataset(), hardest);
    }

    private SamplesAnswer suspects(final RunSpec spec) {
        final List<SampleView.Entry> suspects = new ArrayList<>();
        for (final long sampleId : snapshot(spec).suspects()) {
            suspects.add(new SampleView.Entry(sampleId,
                    app.sampleState(spec.getRunId(), sampleId).map(SampleView::of).orElse(null)));
        }
        return new SamplesAnswer(spec.getRunId(), spec.getDataset(), suspects);
    }

    private ApiException missing(final RunSpec spec, final long sampleId) {
        if (!app.isRegistered(spec.getRunId(), spec.getDataset(), sampleId)) {
            return ApiException.notFound("sample " + sampleId + " is not registered for dataset '" + spec.getDataset()
                    + "' (run '" + spec.getRunId() + "'); register it with 'isgd register' or check the id");
        }
        return ApiException.notFound("sample " + sampleId + " of dataset '" + spec.getDataset()
                + "' has not been trained in run '" + spec.getRunId() + "' yet: no prediction for it has arrived");
    }

    private ApiException missingAsOf(final RunSpec spec, final long sampleId, final long asOf) {
        final List<SamplerApp.HistoryEntry> history = app.history(spec.getRunId(), sampleId);
        if (history.isEmpty()) {
            return missing(spec, sampleId);
        }
        return ApiException.notFound("sample " + sampleId + " had no state in run '" + spec.getRunId() + "' as of "
                + SampleView.iso(asOf) + ": its first prediction was at " + SampleView.iso(history.get(0).timestamp())
                + " (" + history.get(0).timestamp() + ")");
    }
}
