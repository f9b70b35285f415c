package org.isgd.sampler.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.isgd.sampler.policy.Policies;
import org.isgd.sampler.policy.SamplingPolicy;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.reference.ReferenceLosses;
import org.isgd.sampler.sampling.FlowControl;
import org.isgd.sampler.status.RunSnapshot;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;

/**
 * One run as its owning sampler task keeps it: the population with each sample's state
 * ({@link SampleColumns}) and the policy's sampling structures in memory, flow control in
 * {@link RunProgress}, and durably a journal of what was applied plus snapshot segments written
 * at checkpoints. Applying a prediction batch costs one journal write, whatever its size; no
 * per-sample store read or write happens on the way. Not thread-safe: the stream thread owns it.
 */
final class Run {
    static final String UNKNOWN_SAMPLE = "unknown-sample";
    static final String LABEL_MISMATCH = "label-mismatch";

    private final RunStorage storage;
    private final RunSettings settings;
    private final SamplingPolicy policy;
    private final SampleColumns columns = new SampleColumns();
    private final Checkpoints checkpoints;
    private RunProgress progress;
    private final long firstSeen;
    private long lastGrowth;
    private long lastPredictionAt = -1;
    /** What {@link #apply}'s first pass read, kept so that the reads stay (nothing else uses it). */
    private long warmth;
    private double lastEss = Double.NaN;
    private String phase = "-";
    /** The version of the dataset's irreducible losses the policy has, 0 for none. */
    private long referenceVersion;
    /** The population when the policy last got them. */
    private int referencePopulation;

    /** @param shards the run's shards, 1 for a run that one task holds whole */
    private Run(final RunProgress progress, final RunStorage storage, final RunSettings settings, final int shards,
                final long now) {
        this.progress = progress;
        this.storage = storage;
        this.settings = settings;
        this.policy = Policies.forRun(progress.spec());
        this.checkpoints = new Checkpoints(progress.spec().getRunId(), storage, settings.checkpointInterval().toMillis());
        this.firstSeen = now;
        final Long min = progress.spec().getMinPopulation();
        if (min != null) {
            // a shard's share of it: about 1/S (plus 10 %: hashing is not exact)
            final long share = shards == 1 ? min : min * 11 / (10L * shards);
            final int expected = (int) Math.min(share, Integer.MAX_VALUE - 16);
            policy.reserve(expected);
            columns.reserve(expected);
        }
    }

    /**
     * Gives the policy the dataset's irreducible losses when they are newer than what it has, or
     * when the population grew by more than a quarter since (the guard judges a sample against its
     * label's median over the population it was given; samples that join in between are judged
     * against that median). Growth by quarters keeps the re-applications of a dataset that registers
     * while the losses are there at about five times one application in all.
     */
    void reference(final ReferenceLosses losses) {
        final int population = policy.population();
        if (losses != null && (losses.version() != referenceVersion
                || population > referencePopulation + referencePopulation / 4)) {
            policy.reference(losses);
            referenceVersion = losses.version();
            referencePopulation = population;
        }
    }

    /** A new run, with nothing applied yet. */
    static Run start(final RunSpec spec, final RunStorage storage, final RunSettings settings, final int shards,
                     final long now) {
        final Run run = new Run(RunProgress.start(spec), storage, settings, shards, now);
        run.save();
        return run;
    }

    /**
     * A run rebuilt from its stored progress: the stored snapshot segments in slot order, then the
     * journal from the smallest segment mark, each row onto a segment that does not have it yet.
     */
    static Run restore(final RunProgress progress, final RunStorage storage, final RunSettings settings,
                       final int shards, final long now) {
        final Run run = new Run(progress, storage, settings, shards, now);
        final String runId = progress.spec().getRunId();
        run.checkpoints.load();
        storage.range(RunStorage.Area.SNAPSHOTS, StoreKeys.key(runId, 0), StoreKeys.key(runId, Long.MAX_VALUE),
                (key, value) -> {
                    final int segment = (int) StoreKeys.sampleId(key);
                    if (segment << Checkpoints.SHIFT != run.columns.size() || run.checkpoints.stored(segment) == 0) {
                        return false; // segments are stored in slot order: nothing after a gap is current
                    }
                    run.load(SnapshotSegment.fromBytes(value));
                    return true;
                });
        final RunProgress.Journal journal = progress.journal();
        final long from = Math.max(journal.start(), run.checkpoints.replayFrom(journal.next()));
        if (journal.next() > from) {
            storage.range(RunStorage.Area.JOURNAL, StoreKeys.key(runId, from), StoreKeys.key(runId, journal.next() - 1),
                    (key, value) -> {
                        run.replay(StoreKeys.sampleId(key), JournalEntry.fromBytes(value));
                        return true;
                    });
        }
        run.lastGrowth = 0;
        return run;
    }

    RunSpec spec() {
        return progress.spec();
    }

    String runId() {
        return progress.spec().getRunId();
    }

    RunProgress progress() {
        return progress;
    }

    int population() {
        return policy.population();
    }

    // ---- the population ----

    /**
     * Samples that joined the run's dataset, from position {@code fromSeq} of the dataset's
     * population log on; positions the run has already taken in are skipped.
     *
     * @param grewAt when the dataset last grew: a new run waits for registrations to pause
     */
    void addSamples(final long fromSeq, final long[] ids, final int[] labels, final long grewAt, final long now) {
        final int skip = (int) Math.max(0, Math.min(ids.length, progress.journal().populationSeq() + 1 - fromSeq));
        if (skip == ids.length) {
            return;
        }
        final long[] newIds = skip == 0 ? ids : java.util.Arrays.copyOfRange(ids, skip, ids.length);
        final int[] newLabels = skip == 0 ? labels : java.util.Arrays.copyOfRange(labels, skip, labels.length);
        final long index = progress.journal().next();
        journal(index, JournalEntry.samples(now, fromSeq + skip, newIds, newLabels).toBytes());
        admit(newIds, newLabels, index);
        progress = progress.withJournal(progress.journal().appended(1)
                .withPopulationSeq(fromSeq + ids.length - 1));
        lastGrowth = Math.max(lastGrowth, grewAt);
    }

    private void journal(final long index, final byte[] entry) {
        storage.put(RunStorage.Area.JOURNAL, StoreKeys.key(runId(), index), entry);
        checkpoints.journaled(entry.length);
    }

    /** Samples that joined (or changed label), by journal entry {@code entry}; known ones with their label are skipped. */
    private void admit(final long[] ids, final int[] labels, final long entry) {
        for (int i = 0; i < ids.length; i++) {
            final int known = policy.slotOf(ids[i]);
            if (known < 0) {
                policy.put(ids[i], labels[i], null);
                final int slot = columns.add();
                assert policy.slotOf(ids[i]) == slot : "policy and columns disagree on the slot of " + ids[i];
                checkpoints.touched(slot, entry);
            } else if (policy.labelAt(known) != labels[i]) {
                policy.put(ids[i], labels[i], columns.state(known, labels[i]));
                checkpoints.touched(known, entry);
            }
        }
    }

    private void load(final SnapshotSegment segment) {
        for (int i = 0; i < segment.size(); i++) {
            policy.put(segment.ids()[i], segment.labels()[i], segment.states()[i]);
            final int slot = columns.add();
            columns.restore(slot, segment.states()[i], segment.lastApply()[i]);
        }
    }

    private void replay(final long index, final JournalEntry entry) {
        if (entry.kind() == JournalEntry.SAMPLES) {
            admit(entry.ids(), entry.labels(), index);
            return;
        }
        final PredictionRows rows = PredictionRows.decode(entry.batch());
        for (int i = 0; i < rows.count(); i++) {
            final int slot = policy.slotOf(rows.ids()[i]);
            if (entry.visits()[i] >= 0 && checkpoints.replays(slot, index)) {
                record(rows, i, slot, index);
            }
        }
    }

    // ---- predictions ----

    /**
     * Applies a prediction batch's rows, each to its sample's state and the policy, and journals
     * it. Rows that cannot apply (values out of range, a sample not in the population, a label
     * other than the registered one) are skipped; the others still apply.
     *
     * @return the rows applied, and when some were not the reason (the first bad row's kind, with
     *     up to three rows described) for the dead letter that carries the whole record
     */
    Applied apply(final PredictionRows rows, final long now) {
        final int n = rows.count();
        final long index = progress.journal().next();
        final long[] prev = new long[n];
        final int[] visits = new int[n];
        String firstKind = null;
        final StringBuilder problems = new StringBuilder();
        int refused = 0;
        // first pass: every row's slot, and every row's memory touched, the cache misses of all rows
        // overlapping (at 10M samples each row's are a handful, and waiting for them one row after
        // another was most of the time); the second pass then finds its lines in cache
        final int[] slots = new int[n];
        long touched = 0;
        for (int i = 0; i < n; i++) {
            slots[i] = policy.slotOf(rows.ids()[i]);
        }
        for (int i = 0; i < n; i++) {
            if (slots[i] >= 0) {
                touched ^= policy.touch(slots[i]) ^ columns.touch(slots[i]);
            }
        }
        warmth ^= touched;
        for (int i = 0; i < n; i++) {
            final int slot = slots[i];
            final String problem = rowProblem(rows, i, slot);
            if (problem != null) {
                visits[i] = -1;
                prev[i] = -1;
                if (refused++ == 0) {
                    firstKind = problem.substring(0, problem.indexOf(':'));
                }
                if (refused <= 3) {
                    problems.append(refused == 1 ? "" : "; ").append(problem.substring(problem.indexOf(':') + 2));
                }
                continue;
            }
            prev[i] = columns.lastApply(slot);
            visits[i] = record(rows, i, slot, index);
        }
        if (refused < n) { // a record of which nothing applied changes no state: nothing to journal
            journal(index, JournalEntry.predictions(now, prev, visits, rows.raw()).toBytes());
            progress = progress.withJournal(progress.journal().appended(1));
            lastPredictionAt = now;
        }
        if (refused == 0) {
            return new Applied(n, null, null);
        }
        return new Applied(n - refused, firstKind + ": " + refused + " of " + n + " rows of batch "
                + rows.header().getBatchSeq() + " of run " + runId() + " not applied, the others were: " + problems
                + (refused > 3 ? "; ..." : ""), firstKind + ": " + problems);
    }

    /**
     * What {@link #apply} did.
     *
     * @param problem null when every row applied, else the dead-letter reason for the record
     * @param rowProblems the bad rows alone ("kind: text; text"), for a one-row record
     */
    record Applied(int rows, String problem, String rowProblems) {
    }

    private String rowProblem(final PredictionRows rows, final int i, final int slot) {
        final String value = rows.valueProblem(i);
        if (value != null) {
            return value;
        }
        if (slot < 0) {
            return UNKNOWN_SAMPLE + ": sample " + rows.ids()[i] + " is not registered for dataset "
                    + spec().getDataset() + " (row " + i + ")";
        }
        final int registered = policy.labelAt(slot);
        if (registered != rows.labels()[i]) {
            return LABEL_MISMATCH + ": sample " + rows.ids()[i] + " is registered with label " + registered
                    + ", the row says " + rows.labels()[i] + " (row " + i + ")";
        }
        return null;
    }

    /** Row {@code i} applied as journal entry {@code index}: columns, policy, changed segment. Returns its visits. */
    private int record(final PredictionRows rows, final int i, final int slot, final long index) {
        final int label = policy.labelAt(slot);
        final SampleState before = columns.state(slot, label);
        final int visits = columns.record(slot, rows.pCorrect()[i], rows.loss()[i], rows.gradNormBound()[i],
                rows.predicted()[i], rows.trained(i), rows.header().getStep(), rows.header().getBatchSeq(),
                rows.position(i), rows.header().getTimestamp(), index);
        policy.update(rows.ids()[i], before, columns.state(slot, label));
        checkpoints.touched(slot, index);
        return visits;
    }

    /**
     * Whether a prediction of the older per-sample contract is one this run already applied, or
     * older: the same (batch, position) again is a redelivery, an earlier batch is out of order; a
     * sample drawn twice in one batch reports two positions, both applied; without a position a
     * same-batch report is taken as a second draw.
     */
    boolean supersedes(final SamplePrediction p) {
        final int slot = policy.slotOf(p.getSampleId());
        if (slot < 0 || !columns.seen(slot)) {
            return false;
        }
        final long last = columns.lastBatchSeq(slot);
        if (p.getBatchSeq() != last) {
            return p.getBatchSeq() < last;
        }
        return p.getPosition() >= 0 && p.getPosition() <= columns.lastPosition(slot);
    }

    // ---- acknowledgements and batches ----

    /** Why rank {@code rank} cannot acknowledge batch {@code batchSeq} ("bad-ack: ..."), or null. */
    String ackProblem(final int rank, final long batchSeq) {
        final String problem = rankProblem(rank, batchSeq);
        if (problem != null) {
            return problem;
        }
        if (batchSeq >= progress.nextBatchSeq()) {
            return RunProgress.BAD_ACK + ": batch " + batchSeq + " of run " + runId() + " was never emitted (next is "
                    + progress.nextBatchSeq() + ")";
        }
        return null;
    }

    /**
     * Why batch {@code batchSeq} cannot be rank {@code rank}'s ("bad-ack: ..."), or null; what a
     * shard, which does not know what its run emitted, checks.
     */
    String rankProblem(final int rank, final long batchSeq) {
        final int worldSize = progress.acked().length;
        if (rank < 0 || rank >= worldSize) {
            return RunProgress.BAD_ACK + ": rank " + rank + " but run " + runId() + " has worldSize " + worldSize;
        }
        if (batchSeq < 0 || batchSeq % worldSize != rank) {
            return RunProgress.BAD_ACK + ": batch " + batchSeq + " of run " + runId() + " is not rank " + rank
                    + "'s (batch k goes to rank k mod worldSize " + worldSize + ")";
        }
        return null;
    }

    /** Whether rank {@code rank} has acknowledged batch {@code batchSeq} already. */
    boolean acknowledged(final int rank, final long batchSeq) {
        return batchSeq <= progress.acked()[rank];
    }

    void acknowledge(final int rank, final long batchSeq) {
        progress = progress.withAck(rank, batchSeq);
    }

    void updateSpec(final RunSpec spec) {
        progress = progress.withSpec(spec);
    }

    /** Emits every batch flow control allows now. */
    void emitReady(final long now, final Consumer<IndexBatchCodec.Batch> out, final RunListener listener) {
        if (policy.population() == 0 || progress.nextBatchSeq() == 0 && !readyToStart(now)) {
            return;
        }
        while (FlowControl.mayEmitNext(progress)) {
            out.accept(draw(now, listener));
        }
    }

    private IndexBatchCodec.Batch draw(final long now, final RunListener listener) {
        final RunSpec spec = spec();
        final long seq = progress.nextBatchSeq();
        final SamplingPolicy.Draw drawn = policy.draw(seq, spec.getBatchSize(),
                new SplittableRandom(spec.getSeed() * 0x9E3779B97F4A7C15L + seq));
        final int[] labels = drawn.labels();
        if (!drawn.phase().equals(phase)) {
            RunTable.LOG.info("run {}: phase {} from batch {} (population {})", runId(), drawn.phase(), seq,
                    policy.population());
            phase = drawn.phase();
        }
        progress = progress.afterBatch(labels);
        lastEss = IndexBatches.effectiveSampleSize(drawn.weights());
        listener.batchEmitted(labels.length);
        return IndexBatches.batch(spec, seq, progress.acked().length, drawn.sampleIds(), drawn.weights(),
                drawn.probabilities(), drawn.phase(), now);
    }

    // ---- a shard of a sharded run: its coordinator draws the batches ----

    /** The shard's summary for its coordinator. */
    ShardedDraw.Summary summary() {
        return policy.summary();
    }

    /** What a grant asks the shard to draw, ahead of the batches that will use it. */
    SamplingPolicy.Draw drawShard(final int count, final ShardedDraw.Plan plan, final ShardedDraw.Totals totals,
                                  final double proportional, final SplittableRandom random) {
        return policy.drawShard(count, plan, totals, proportional, random);
    }

    /** Whether the run's shards walk (selective-backprop) rather than draw ∝ mass. */
    boolean walks() {
        return policy.walks();
    }

    /** What a walk's grant asks the shard for: its next {@code candidates}, kept by the policy's rule. */
    SamplingPolicy.Walk walkShard(final int candidates, final ShardedDraw.Plan plan, final SplittableRandom random) {
        return policy.walkShard(candidates, plan, random);
    }

    /**
     * Whether the run may draw its first batch: once its population reaches minPopulation, or,
     * without one, once registrations of its dataset have paused for the settle time.
     */
    private boolean readyToStart(final long now) {
        final Long min = spec().getMinPopulation();
        if (min != null) {
            return policy.population() >= min;
        }
        return !RunSettings.settling(now, firstSeen, lastGrowth, settings.settle().toMillis());
    }

    // ---- durability ----

    /** Writes the run's progress (flow control, journal position). */
    void save() {
        storage.put(RunStorage.Area.RUNS, runId(), progress.toBytes());
    }

    /** Writes the changed snapshot segments that are due (a few per call, see {@link Checkpoints}); returns whether any. */
    boolean checkpointIfDue(final long now) {
        return checkpoint(now, false);
    }

    /** Writes every changed snapshot segment now. */
    void checkpoint(final long now) {
        checkpoint(now, true);
    }

    private boolean checkpoint(final long now, final boolean all) {
        final RunProgress.Journal journal = progress.journal();
        final int written = checkpoints.write(now, journal.next(), snapshotSource, all);
        if (written > 0) {
            progress = progress.withJournal(new RunProgress.Journal(journal.next(),
                    checkpoints.replayFrom(journal.next()), journal.start(), journal.populationSeq(), now));
        }
        return written > 0;
    }

    private final Checkpoints.Source snapshotSource = new Checkpoints.Source() {
        @Override
        public int size() {
            return columns.size();
        }

        @Override
        public byte[] segment(final int from, final int to) {
            final long[] ids = new long[to - from];
            final int[] labels = new int[to - from];
            for (int slot = from; slot < to; slot++) {
                ids[slot - from] = policy.idAt(slot);
                labels[slot - from] = policy.labelAt(slot);
            }
            return columns.segment(from, to, ids, labels);
        }
    };

    /**
     * Deletes journal entries older than the history retention that a checkpoint covers, at most
     * {@code limit} of them; returns how many it deleted.
     */
    int prune(final long now, final int limit) {
        if (settings.keepsHistoryForever()) {
            return 0;
        }
        final RunProgress.Journal journal = progress.journal();
        final long needed = checkpoints.replayFrom(journal.next()); // a restore replays from here
        if (journal.start() >= needed) {
            return 0;
        }
        final long cutoff = now - settings.historyRetention().toMillis();
        final long[] next = {journal.start()};
        final List<String> expired = new ArrayList<>();
        storage.range(RunStorage.Area.JOURNAL, StoreKeys.key(runId(), journal.start()),
                StoreKeys.key(runId(), needed - 1), (key, value) -> {
                    if (expired.size() >= limit || JournalEntry.appliedAt(value) >= cutoff) {
                        return false;
                    }
                    expired.add(key);
                    next[0] = StoreKeys.sampleId(key) + 1;
                    return true;
                });
        expired.forEach(key -> storage.delete(RunStorage.Area.JOURNAL, key));
        if (!expired.isEmpty()) {
            progress = progress.withJournal(journal.prunedTo(next[0]));
        }
        return expired.size();
    }

    // ---- what the query API and the snapshots read (stream thread) ----

    /** A sample's state and its latest journal entry, or null if the sample is not in the population. */
    SampleLookup lookup(final long sampleId) {
        final int slot = policy.slotOf(sampleId);
        if (slot < 0) {
            return null;
        }
        return new SampleLookup(columns.state(slot, policy.labelAt(slot)), columns.lastApply(slot),
                policy.isSuspect(sampleId));
    }

    /** Every sample that has a state, by sampleId. */
    java.util.SortedMap<Long, SampleState> states() {
        final java.util.SortedMap<Long, SampleState> states = new java.util.TreeMap<>();
        for (int slot = 0; slot < columns.size(); slot++) {
            if (columns.seen(slot)) {
                states.put(policy.idAt(slot), columns.state(slot, policy.labelAt(slot)));
            }
        }
        return states;
    }

    /** The {@code k} samples with the highest latest loss, hardest first. */
    List<Map.Entry<Long, SampleState>> hardest(final int k) {
        final java.util.PriorityQueue<Integer> top = new java.util.PriorityQueue<>(
                (a, b) -> Float.compare(columns.loss(a), columns.loss(b)));
        for (int slot = 0; slot < columns.size(); slot++) {
            if (!columns.seen(slot)) {
                continue;
            }
            if (top.size() < k) {
                top.add(slot);
            } else if (k > 0 && columns.loss(slot) > columns.loss(top.peek())) {
                top.poll();
                top.add(slot);
            }
        }
        final List<Map.Entry<Long, SampleState>> hardest = new ArrayList<>();
        while (!top.isEmpty()) {
            final int slot = top.poll();
            hardest.add(0, Map.entry(policy.idAt(slot), columns.state(slot, policy.labelAt(slot))));
        }
        return hardest;
    }

    RunSnapshot snapshot(final long now) {
        final RunSpec spec = spec();
        return new RunSnapshot(spec.getRunId(), spec.getDataset(), spec.getPolicy(),
                FlowControl.budgetSpent(spec, progress.nextBatchSeq()) ? "FINISHED" : spec.getState().name(), phase,
                policy.population(), progress.nextBatchSeq(), progress.acked().clone(), FlowControl.leads(progress),
                progress.classDraws().clone(), lastEss, lastPredictionAt < 0 ? -1 : now - lastPredictionAt,
                Map.copyOf(policy.stats()), List.copyOf(policy.suspects()), now);
    }

    /** A sample as the stream thread sees it now. */
    record SampleLookup(SampleState state, long lastApply, boolean suspect) {
    }
}
