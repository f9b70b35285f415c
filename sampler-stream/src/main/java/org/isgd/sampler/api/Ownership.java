package org.isgd.sampler.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.HostInfo;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.schemas.RunSpec;

/**
 * Which instance answers for a run: the one whose task owns the run, or, when runs are
 * sharded, the run's coordinator for the run as a whole and the sample's shard for a sample. Compares the
 * owner Kafka Streams reports with this instance's own advertised endpoint.
 */
final class Ownership {
    private final SamplerApp app;
    private final HostInfo self;

    /** @param self this instance's {@code application.server}; null when none is set (a single, local-only instance) */
    Ownership(final SamplerApp app, final HostInfo self) {
        this.app = app;
        this.self = self;
    }

    HostInfo self() {
        return self;
    }

    /** The run's spec, or a 404 that says how to find the runs there are. */
    RunSpec spec(final String runId) {
        return app.runSpec(runId).orElseThrow(() -> ApiException.notFound("unknown run '" + runId
                + "': no such run on isgd.runs; list runs with 'isgd query runs' or create one with 'isgd run create'"));
    }

    /**
     * Where a question about a run ({@code sampleId} -1) or one of its samples is answered: empty =
     * here, else the owner to forward to.
     */
    Optional<HostInfo> route(final RunSpec spec, final long sampleId, final boolean forwarded) {
        if (sampleId < 0 || !app.sharded()) {
            return decide(self, runOwner(spec.getRunId(), spec.getDataset()), forwarded,
                    "run '" + spec.getRunId() + "'");
        }
        return decide(self, owner(() -> app.ownerOfSample(spec.getDataset(), sampleId)), forwarded,
                "sample " + sampleId + " of dataset '" + spec.getDataset() + "'");
    }

    /** The routing rule, apart from Kafka Streams so that it can be tested alone. */
    static Optional<HostInfo> decide(final HostInfo self, final Optional<HostInfo> owner, final boolean forwarded,
                                     final String what) {
        if (self == null) {
            return Optional.empty();
        }
        if (owner.isEmpty()) {
            throw ApiException.unavailable("the owner of " + what + " is not known yet: rebalancing, retry");
        }
        if (owner.get().equals(self)) {
            return Optional.empty();
        }
        if (forwarded) {
            // the sender took this instance for the owner: ownership is moving
            throw ApiException.unavailable(what + " is moving to another instance: rebalancing, retry");
        }
        if (owner.get().port() < 0) {
            throw ApiException.unavailable(what + " is owned by an instance without a query API; "
                    + "start every sampler instance with an API port (isgd sampler --api-port)");
        }
        return owner;
    }

    /** Snapshots of the runs this instance owns now (a run whose task moved away is left out). */
    List<RunSnapshot> ownedSnapshots() {
        final List<RunSnapshot> owned = new ArrayList<>();
        for (final RunSnapshot snapshot : app.snapshots().all().values()) {
            final Optional<HostInfo> owner = self == null ? Optional.empty()
                    : runOwner(snapshot.runId(), snapshot.dataset());
            if (owner.isEmpty() || owner.get().equals(self)) {
                owned.add(snapshot);
            }
        }
        return owned;
    }

    /** This instance's endpoint as text, "local" when it advertises none. */
    String selfName() {
        return self == null ? "local" : self.host() + ":" + self.port();
    }

    private Optional<HostInfo> runOwner(final String runId, final String dataset) {
        return owner(() -> app.ownerOfRun(runId, dataset));
    }

    private static Optional<HostInfo> owner(final java.util.function.Supplier<Optional<HostInfo>> lookup) {
        try {
            return lookup.get();
        } catch (IllegalStateException | StreamsException e) {
            // not started, or shutting down: nobody is known to own anything
            return Optional.empty();
        }
    }
}
