package org.isgd.sampler.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.contract.IndexBatchCodec;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;
import org.isgd.sampler.store.RunProgress;
import org.isgd.sampler.store.SampleState;
import org.isgd.sampler.store.StoreKeys;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.junit.jupiter.api.Test;

/** The run table without Kafka: prediction batches in, index batches out, state kept in a journal and snapshots. */
class RunTableTest {
    private static final AvroSerde<PredictionBatch> SERDE = AvroSerde.of(PredictionBatch.class);
    private static final int N = 10_000;

    private final MemoryRunStorage storage = new MemoryRunStorage();
    private final List<IndexBatch> emitted = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();
    private final RunTable.Output out = new RunTable.Output() {
        @Override
        public void batch(final IndexBatchCodec.Batch batch) {
            emitted.add(batch.toRecord());
        }

        @Override
        public void refused(final RunSpec spec, final String reason) {
            refused.add(reason);
        }
    };
    private long now = 1_000_000L;

    private RunTable table(final RunSettings settings) {
        return new RunTable(storage, settings, RunListener.NONE);
    }

    private static RunSpec spec(final String policy, final Map<String, Double> params, final int lead, final int worldSize) {
        return RunSpec.newBuilder().setRunId("r").setDataset("d").setPolicy(policy).setParams(params).setBatchSize(32)
                .setSeed(3L).setLead(lead).setWorldSize(worldSize).setMinPopulation((long) N).build();
    }

    private static long[] ids(final int from, final int to) {
        final long[] ids = new long[to - from];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = from + i;
        }
        return ids;
    }

    private static int[] labels(final long[] ids) {
        final int[] labels = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            labels[i] = (int) (ids[i] % 10);
        }
        return labels;
    }

    /** A table with run r (N samples, given policy) registered in two chunks. */
    private RunTable started(final RunSettings settings, final RunSpec spec) {
        final RunTable table = table(settings);
        table.applySpec(spec, now, out);
        final long[] first = ids(0, N / 2);
        final long[] second = ids(N / 2, N);
        assertNull(table.samples("r", 0, first, labels(first), 0, now, out));
        assertTrue(emitted.isEmpty(), "minPopulation is not reached yet");
        assertNull(table.samples("r", N / 2, second, labels(second), 0, now, out));
        return table;
    }

    /** The prediction batch a trainer sends for {@code batch}, with pCorrect from {@code score}. */
    private PredictionRows answer(final IndexBatch batch, final java.util.function.LongToDoubleFunction pCorrect) {
        final long[] sampleIds = batch.getSampleIds().stream().mapToLong(Long::longValue).toArray();
        final int n = sampleIds.length;
        final float[] p = new float[n];
        final float[] loss = new float[n];
        final float[] gnb = new float[n];
        final int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) pCorrect.applyAsDouble(sampleIds[i]);
            loss[i] = (float) -Math.log(Math.max(1e-6, p[i]));
            gnb[i] = (float) Math.sqrt(2) * (1 - p[i]);
            predicted[i] = (int) (sampleIds[i] % 10);
        }
        return rows(batch.getRunId(), batch.getRank(), batch.getBatchSeq(), sampleIds, labels(sampleIds), p, loss, gnb,
                predicted);
    }

    private PredictionRows rows(final String runId, final int rank, final long batchSeq, final long[] sampleIds,
                                final int[] labels, final float[] p, final float[] loss, final float[] gnb,
                                final int[] predicted) {
        final PredictionBatch value = PredictionBatch.newBuilder().setRunId(runId).setRank(rank).setBatchSeq(batchSeq)
                .setStep(batchSeq + 1).setTrainLoss(0.5f).setTrainerId("t").setTimestamp(now)
                .setCount(sampleIds.length).setSampleIds(Columns.ofLongs(sampleIds)).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(p)).setLoss(Columns.ofFloats(loss)).setGradNormBound(Columns.ofFloats(gnb))
                .setPredicted(Columns.ofInts(predicted)).build();
        return PredictionRows.decode(SERDE.encode(value));
    }

    private static double score(final long sampleId) {
        return 0.05 + 0.9 * ((sampleId * 2654435761L) % 1000) / 1000.0;
    }

    @Test
    void aPredictionBatchAcknowledgesItsBatchAndTheNextOnesFollowWithinTheLead() {
        final RunTable table = started(RunSettings.defaults(), spec("uniform", Map.of(), 3, 1));
        assertEquals(List.of(0L, 1L, 2L), emitted.stream().map(IndexBatch::getBatchSeq).toList(),
                "`lead` batches before any acknowledgement");
        final IndexBatch first = emitted.get(0);
        emitted.clear();
        assertNull(table.predictionBatch(answer(first, RunTableTest::score), now, out));
        assertEquals(List.of(3L), emitted.stream().map(IndexBatch::getBatchSeq).toList());
        final SampleState state = table.sample("r", first.getSampleIds().get(0)).state();
        assertEquals(1, state.visits());
        assertEquals((float) score(first.getSampleIds().get(0)), state.pCorrect());
        assertEquals(0, state.lastBatchSeq());

        emitted.clear();
        assertNull(table.predictionBatch(answer(first, id -> 0.99), now, out), "a redelivery is not an error");
        assertTrue(emitted.isEmpty());
        assertEquals(1, table.sample("r", first.getSampleIds().get(0)).state().visits(), "and is applied once");
    }

    @Test
    void aShardAppliesItsPartsOfPredictionBatchesOnceDrawsWhatItIsGrantedAndNeverEmits() {
        final RunTable shard = RunTable.shard(storage, RunSettings.defaults(), RunListener.NONE, dataset -> null, 4);
        final RunSpec spec = spec("early-importance", Map.of("warmupEpochs", 0.0), 2, 2);
        shard.applySpec(spec, now, out);
        final long[] mine = ids(0, 100);
        assertNull(shard.samples("r", 0, mine, labels(mine), 0, now, out));
        shard.tick(now += 1_000, out);
        assertTrue(emitted.isEmpty(), "the run's coordinator draws the batches");
        assertEquals(100, shard.summary("r").population());

        // rank 1's part of batch 7 (never emitted by this table: a shard cannot know; its coordinator checks)
        final long[] part = {3, 5, 8};
        final float[] p = {0.2f, 0.9f, 0.5f};
        final float[] loss = {1.6f, 0.1f, 0.7f};
        assertNull(shard.predictionBatch(rows("r", 1, 7, part, labels(part), p, loss, p, new int[] {0, 5, 8}), now, out));
        assertEquals(1, shard.sample("r", 3).state().visits());
        assertEquals(0.2f, shard.sample("r", 3).state().pCorrect());
        assertNull(shard.predictionBatch(rows("r", 1, 7, part, labels(part), p, loss, p, new int[] {0, 5, 8}), now, out),
                "a redelivered part is not an error");
        assertEquals(1, shard.sample("r", 3).state().visits(), "and is applied once");
        assertTrue(shard.predictionBatch(rows("r", 0, 7, part, labels(part), p, loss, p, new int[] {0, 5, 8}), now, out)
                .startsWith("bad-ack: batch 7 of run r is not rank 0's"), "ranks are still checked");

        final ShardStock.Chunk drawn = shard.grant("r", 1, 2, 500, new ShardedDraw.Plan("importance", 1.0),
                new ShardedDraw.Totals(400, 1.0, 1.0, 1.0), 1.0, now);
        assertEquals(500, drawn.ids().length);
        assertNull(drawn.at(), "a draw, not a walk");
        for (final long id : drawn.ids()) {
            assertTrue(id >= 0 && id < 100, "drawn from the shard's samples: " + id);
        }
        assertArrayEquals(drawn.ids(), shard.grant("r", 1, 2, 500, new ShardedDraw.Plan("importance", 1.0),
                new ShardedDraw.Totals(400, 1.0, 1.0, 1.0), 1.0, now).ids(), "seeded by run, grant and shard");
        assertNull(shard.grant("other", 1, 2, 10, new ShardedDraw.Plan("importance", 1.0),
                new ShardedDraw.Totals(400, 1.0, 1.0, 1.0), 1.0, now));

        final RunTable restored = RunTable.shard(storage, RunSettings.defaults(), RunListener.NONE, dataset -> null, 4);
        restored.restore(List.of(RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"))), runId -> true, now);
        assertEquals(shard.states("r"), restored.states("r"));
        assertNull(restored.predictionBatch(rows("r", 1, 7, part, labels(part), p, loss, p, new int[] {0, 5, 8}), now,
                out));
        assertEquals(1, restored.sample("r", 3).state().visits(), "applied once across a restart too");
        assertTrue(emitted.isEmpty());
    }

    @Test
    void aSelectiveBackpropShardAnswersAGrantWithItsWalkCountedInCandidates() {
        final RunTable shard = RunTable.shard(storage, RunSettings.defaults(), RunListener.NONE, dataset -> null, 4);
        shard.applySpec(spec("selective-backprop", Map.of(), 2, 1), now, out);
        final long[] mine = ids(0, 100);
        assertNull(shard.samples("r", 0, mine, labels(mine), 0, now, out));
        final ShardedDraw.Plan walk = new ShardedDraw.Plan("selective", 0);
        final ShardedDraw.Totals totals = new ShardedDraw.Totals(400, 0, 0, 0);
        final ShardStock.Chunk first = shard.grant("r", 1, 2, 60, walk, totals, 0, now);
        final ShardStock.Chunk second = shard.grant("r", 2, 2, 60, walk, totals, 0, now);
        assertEquals(60, first.candidates());
        assertEquals(60, first.size(), "never-trained candidates are always kept");
        assertArrayEquals(java.util.stream.IntStream.range(0, 60).toArray(), first.at());
        assertEquals(1.0, first.inShard()[0], "the keep probability");
        final java.util.Set<Long> epoch = new java.util.HashSet<>();
        for (final long id : first.ids()) {
            epoch.add(id);
        }
        for (int i = 0; i < 40; i++) {
            epoch.add(second.ids()[i]);
        }
        assertEquals(100, epoch.size(), "the shard's walk is a permutation of its samples: 100 candidates, each once");
    }

    @Test
    void aPredictionBatchSplitsIntoPartsThatKeepEveryRowsValuesAndPosition() {
        final long[] sampleIds = {10, 11, 12, 13, 14};
        final float[] p = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
        final PredictionRows whole = rows("r", 1, 9, sampleIds, labels(sampleIds), p, p, p, new int[] {0, 1, 2, 3, 4});
        final PredictionRows[] parts = whole.split(i -> (int) (sampleIds[i] % 3), 4);
        assertNull(parts[3], "a shard without rows gets no part");
        assertArrayEquals(new long[] {11, 14}, parts[2].ids());
        assertArrayEquals(new int[] {1, 4}, parts[2].positions(), "positions in the whole batch");
        assertArrayEquals(new float[] {0.2f, 0.5f}, parts[2].pCorrect());
        final PredictionRows decoded = PredictionRows.decode(parts[0].raw());
        assertArrayEquals(new long[] {12}, decoded.ids());
        assertEquals(2, decoded.position(0));
        assertEquals(9, decoded.header().getBatchSeq());
        assertEquals(1, decoded.header().getRank());
        assertTrue(decoded.trained(0));
    }

    @Test
    void acknowledgementsThatCannotApplyAreRefusedWithTheReason() {
        final RunTable table = started(RunSettings.defaults(), spec("uniform", Map.of(), 1, 2));
        final IndexBatch batch0 = emitted.get(0);
        final long[] one = {5};
        final float[] f = {0.5f};
        assertTrue(table.predictionBatch(rows("r", 0, 10, one, labels(one), f, f, f, new int[] {5}), now, out)
                .startsWith("bad-ack: batch 10 of run r was never emitted"));
        assertTrue(table.predictionBatch(rows("r", 1, 0, one, labels(one), f, f, f, new int[] {5}), now, out)
                .startsWith("bad-ack: batch 0 of run r is not rank 1's"));
        assertTrue(table.predictionBatch(rows("r", 2, 0, one, labels(one), f, f, f, new int[] {5}), now, out)
                .startsWith("bad-ack: rank 2 but run r has worldSize 2"));
        assertTrue(table.predictionBatch(rows("r", 0, 0, new long[0], new int[0], new float[0], new float[0],
                new float[0], new int[0]), now, out).startsWith("empty-batch: batch 0 of run r has no rows"));
        assertTrue(table.predictionBatch(rows("nope", 0, 0, one, labels(one), f, f, f, new int[] {5}), now, out)
                .startsWith("unknown-run"));
        assertEquals(-1L, table.sample("r", 5).lastApply(), "nothing applied");
        assertNotNull(batch0);
    }

    @Test
    void badRowsAreSkippedAndReportedWhileTheOthersApplyAndTheBatchIsAcknowledged() {
        final RunTable table = started(RunSettings.defaults(), spec("uniform", Map.of(), 1, 1));
        final long[] sampleIds = {1, 2, N + 7, 4, 5};
        final int[] labels = {1, 2, 7, 9, 5}; // sample 4 is registered with label 4
        final float[] p = {0.5f, Float.NaN, 0.5f, 0.5f, 0.5f};
        emitted.clear();
        final String problem = table.predictionBatch(rows("r", 0, 0, sampleIds, labels, p, p, p, new int[] {1, 2, 3, 4, 5}),
                now, out);
        assertTrue(problem.startsWith("invalid-field: 3 of 5 rows of batch 0 of run r not applied"), problem);
        assertTrue(problem.contains("pCorrect must be in [0, 1], was NaN (row 1, sample 2)"), problem);
        assertTrue(problem.contains("sample " + (N + 7) + " is not registered for dataset d (row 2)"), problem);
        assertTrue(problem.contains("sample 4 is registered with label 4, the row says 9 (row 3)"), problem);
        assertEquals(1, table.sample("r", 1).state().visits());
        assertEquals(1, table.sample("r", 5).state().visits());
        assertNull(table.sample("r", 2).state());
        assertNull(table.sample("r", 4).state());
        assertEquals(List.of(1L), emitted.stream().map(IndexBatch::getBatchSeq).toList(), "the batch was acknowledged");
    }

    @Test
    void aRestoredTableHasTheSameStatesAndDrawsTheSameBatches() {
        // 3 segments, paced to be rewritten every 50 ms: about one segment every other tick below
        final RunSettings settings = RunSettings.defaults().withCheckpointInterval(Duration.ofMillis(50));
        final RunSpec spec = spec("early-importance", Map.of("warmupEpochs", 0.0), 4, 1);
        final RunTable live = started(settings, spec);
        final SplittableRandom random = new SplittableRandom(11);
        for (int k = 0; k < 300; k++) {
            final IndexBatch batch = emitted.get(k);
            live.predictionBatch(answer(batch, id -> 0.05 + 0.9 * random.nextDouble()), now, out);
            if (k % 7 == 0) {
                live.tick(now += 10, out);
            }
        }
        final RunProgress progress = RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"));
        assertTrue(progress.journal().checkpoint() > 0, "every segment was written at least once");
        assertTrue(progress.journal().next() > progress.journal().checkpoint(), "and some have journal entries to replay");

        final RunTable restored = table(settings);
        restored.restore(List.of(progress), runId -> true, now);
        assertEquals(live.states("r"), restored.states("r"), "every sample's state, from snapshots and the journal");
        assertEquals(N, restored.snapshots(now).get(0).population());

        // both draw the same next batches once acknowledged alike
        final List<IndexBatch> fromLive = new ArrayList<>();
        final List<IndexBatch> fromRestored = new ArrayList<>();
        final IndexBatch next = emitted.get(300);
        final PredictionRows reply = answer(next, id -> 0.5);
        live.predictionBatch(reply, now, collect(fromLive));
        restored.predictionBatch(reply, now, collect(fromRestored));
        assertEquals(1, fromLive.size());
        assertEquals(fromLive.get(0).getSampleIds(), fromRestored.get(0).getSampleIds());
        assertEquals(fromLive.get(0).getProbabilities(), fromRestored.get(0).getProbabilities());
    }

    @Test
    void aRunRestoredBeforeItsFirstCheckpointReplaysItsWholeJournal() {
        final RunSettings settings = RunSettings.defaults().withCheckpointInterval(Duration.ofDays(1));
        final RunTable live = started(settings, spec("uniform", Map.of(), 4, 1));
        for (int k = 0; k < 20; k++) {
            live.predictionBatch(answer(emitted.get(k), RunTableTest::score), now, out);
            live.tick(now += 10, out);
        }
        final RunProgress progress = RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"));
        assertEquals(0, storage.size(RunStorage.Area.SNAPSHOTS), "no segment written yet");
        final RunTable restored = table(settings);
        restored.restore(List.of(progress), runId -> true, now);
        assertEquals(N, restored.snapshots(now).get(0).population(), "the population, from the journal");
        assertEquals(live.states("r"), restored.states("r"));
    }

    /**
     * The soak's first finding: the batches a run emits the moment its population completes were
     * not in its saved progress (saved before emitting), so a task that moved to another instance
     * right after drew batches 0..7 again. Whatever emits, the progress stored with it must say so.
     */
    @Test
    void batchesEmittedByArrivingSamplesOrASpecAreInTheSavedProgress() {
        final RunSettings settings = RunSettings.defaults();
        started(settings, spec("uniform", Map.of(), 4, 2)); // the second chunk completes minPopulation: batches out
        assertEquals(8, emitted.size(), "lead 4, two ranks: batches 0..7 before any acknowledgement");
        final RunTable restored = table(settings);
        restored.restore(List.of(RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"))), runId -> true, now);
        final List<IndexBatch> again = new ArrayList<>();
        restored.tick(now += 10, collect(again));
        assertEquals(List.of(), again, "a restored run emits nothing it had emitted");
        assertEquals(8, restored.snapshots(now).get(0).nextBatchSeq());

        // the same when a spec change releases batches (a paused run resumed)
        final RunSpec paused = RunSpec.newBuilder(spec("uniform", Map.of(), 4, 2)).setState(RunState.PAUSED).build();
        restored.applySpec(paused, now, collect(again));
        restored.predictionBatch(answer(emitted.get(0), RunTableTest::score), now, collect(again));
        assertEquals(List.of(), again, "paused: nothing released");
        restored.applySpec(spec("uniform", Map.of(), 4, 2), now, collect(again));
        assertEquals(1, again.size(), "resumed: the acknowledged batch's successor");
        final RunTable restoredAgain = table(settings);
        restoredAgain.restore(List.of(RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"))), runId -> true, now);
        final List<IndexBatch> third = new ArrayList<>();
        restoredAgain.tick(now += 10, collect(third));
        assertEquals(List.of(), third, "the batch the resumption released is in the saved progress");
    }

    private static RunTable.Output collect(final List<IndexBatch> into) {
        return new RunTable.Output() {
            @Override
            public void batch(final IndexBatchCodec.Batch batch) {
                into.add(batch.toRecord());
            }

            @Override
            public void refused(final RunSpec spec, final String reason) {
            }
        };
    }

    @Test
    void aSamplesHistoryFollowsTheJournalBackAndRetentionPrunesWhatACheckpointCovers() {
        final RunSettings settings = RunSettings.defaults().withHistoryRetention(Duration.ofSeconds(10))
                .withCheckpointInterval(Duration.ofDays(1));
        final RunTable table = started(settings, spec("uniform", Map.of(), 8, 1));
        final long sample = 42;
        final float[] seen = {0.1f, 0.2f, 0.3f, 0.4f};
        // batch k trains sample 42 (twice in batch 1), then other samples
        for (int k = 0; k < 3; k++) {
            final long[] sampleIds = k == 1 ? new long[] {sample, 7, sample} : new long[] {7, sample};
            final float[] p = k == 1 ? new float[] {seen[1], 0.5f, seen[2]} : new float[] {0.5f, seen[k == 0 ? 0 : 3]};
            now += 1_000;
            assertNull(table.predictionBatch(rows("r", 0, k, sampleIds, labels(sampleIds), p, p, p,
                    new int[sampleIds.length]), now, out));
        }
        final RunTable.SampleView view = table.sample("r", sample);
        assertEquals(4, view.state().visits());
        final List<History.Entry> history = History.of(sample, view.state().label(), view.lastApply(), journal("r"));
        assertEquals(4, history.size());
        final float[] pCorrect = new float[history.size()];
        for (int i = 0; i < pCorrect.length; i++) {
            pCorrect[i] = history.get(i).state().pCorrect();
            assertEquals(i + 1, history.get(i).state().visits());
        }
        assertArrayEquals(seen, pCorrect, "oldest first, both rows of batch 1 in order");
        assertEquals(seen[2], History.asOf(history, now - 500).pCorrect(), "as of batch 1: its second row");
        assertEquals(seen[0], History.asOf(history, now - 1_500).pCorrect());

        // 20 s later everything is past retention; only what a checkpoint covers may go
        now += 20_000;
        table.tick(now, out);
        assertEquals(4, History.of(sample, 2, view.lastApply(), journal("r")).size(), "no checkpoint yet: kept");
        table.checkpointAll(now);
        table.tick(now, out);
        assertTrue(History.of(sample, 2, view.lastApply(), journal("r")).isEmpty(), "pruned");
        assertEquals(4, table.sample("r", sample).state().visits(), "the current state stays");
        final RunTable restored = table(settings);
        restored.restore(List.of(RunProgress.fromBytes(storage.get(RunStorage.Area.RUNS, "r"))), runId -> true, now);
        assertEquals(table.states("r"), restored.states("r"), "and survives a restore from the snapshot alone");
    }

    private java.util.function.LongFunction<byte[]> journal(final String runId) {
        return index -> storage.get(RunStorage.Area.JOURNAL, StoreKeys.key(runId, index));
    }

    @Test
    void withTheLeadEveryBatchIsDrawnFromAStateThatHoldsEveryPredictionOfTheBatchesLeadBehind() {
        final int lead = 2;
        final RunTable table = started(RunSettings.defaults(),
                spec("early-importance", Map.of("warmupEpochs", 0.0, "smoothing", 0.0), lead, 1));
        // the trainer's own copy of the scores it reported, replayed batch by batch
        final Map<Long, Double> scores = new HashMap<>();
        final List<Map<Long, Double>> after = new ArrayList<>(); // scores once batches 0..k are applied
        after.add(Map.copyOf(scores));
        for (int k = 0; k < 100; k++) {
            final IndexBatch batch = emitted.get(k);
            final int j = k;
            // batch k was drawn once batches <= k - lead - 1 were applied: its q_i fit that state
            assertTrue(fitsSomeState(batch, after.subList(Math.max(0, j - lead), j + 1)),
                    "batch " + k + "'s probabilities fit no state with every prediction of batches <= " + (k - lead - 1));
            table.predictionBatch(answer(batch, id -> score(id + j)), now, out);
            for (final long id : batch.getSampleIds()) {
                scores.put(id, 1 - (double) (float) score(id + j));
            }
            after.add(Map.copyOf(scores));
        }
    }

    /** Whether every q_i of the batch is s_i / Σs (unseen samples at the highest score) in one of the states. */
    private static boolean fitsSomeState(final IndexBatch batch, final List<Map<Long, Double>> states) {
        for (final Map<Long, Double> s : states) {
            final double max = s.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            final double total = s.values().stream().mapToDouble(Double::doubleValue).sum() + (N - s.size()) * max;
            boolean fits = true;
            for (int i = 0; i < batch.getSampleIds().size() && fits; i++) {
                final double expected = total > 0 ? s.getOrDefault(batch.getSampleIds().get(i), max) / total : 1.0 / N;
                fits = Math.abs(batch.getProbabilities().get(i) - expected) <= 1e-6 * expected;
            }
            if (fits) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anInvalidSpecIsRefusedOnce() {
        final RunTable table = table(RunSettings.defaults());
        final RunSpec bad = RunSpec.newBuilder(spec("magic", Map.of(), 1, 1)).build();
        table.applySpec(bad, now, out);
        table.applySpec(bad, now, out);
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).contains("unknown policy 'magic'"), refused.get(0));
        assertFalse(table.has("r"));
    }
}
