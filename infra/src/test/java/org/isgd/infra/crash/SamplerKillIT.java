package org.isgd.infra.crash;

import org.isgd.infra.soak.IsgdProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isgd.contract.Topics;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.store.SampleState;
import org.junit.jupiter.api.Test;

/**
 * The sampler process is SIGKILLed at seeded random points of a run and started again, once on an
 * emptied state directory so its importance state must come back from the changelog. The trainer
 * (a process too) must get every batch exactly once, in order, and the restored state must count
 * every trained visit.
 */
class SamplerKillIT {
    private static final String RUN = "sampler-kill";
    private static final int BATCHES = 150;
    private static final int KILLS = 4;
    /** Which kill restarts on an empty state directory. */
    private static final int WIPED = 2;

    @Test
    void theTrainerGetsEveryBatchOnceAcrossSamplerKills() throws Exception {
        final Random random = new Random(20240611L);
        try (CrashRig rig = new CrashRig("sampler-kill")) {
            rig.startBroker();
            rig.createRun(RUN, BATCHES);
            final Path stateDir = rig.work.resolve("sampler-state");
            IsgdProcess sampler = rig.startSampler(stateDir);
            final IsgdProcess trainer = rig.startTrainer(RUN, BATCHES, 50);
            final List<Long> restartMillis = new ArrayList<>();
            final List<Long> killedAt = new ArrayList<>();
            try (CrashRig.BatchWatch watch = rig.watchBatches(RUN)) {
                for (int kill = 0; kill < KILLS; kill++) {
                    // spread the kills over the run: one in each quarter, at a random batch within it
                    final long at = kill * (BATCHES - 10L) / KILLS + 5 + random.nextInt((BATCHES - 10) / KILLS - 5);
                    rig.await(() -> watch.maxSeq() >= at, Duration.ofSeconds(120), "batch " + at);
                    sampler.kill();
                    killedAt.add(watch.maxSeq());
                    if (kill == WIPED) {
                        CrashRig.deleteTree(stateDir);
                    }
                    final long restarted = System.currentTimeMillis();
                    sampler = rig.startSampler(stateDir);
                    restartMillis.add(watch.millisToFirstBatchCreatedSince(restarted, Duration.ofSeconds(120)));
                }
                assertEquals(0, trainer.awaitExit(Duration.ofSeconds(180)), "trainer failed; see " + trainer.log());
            }
            trainer.awaitLine("^trained " + BATCHES + " batches", Duration.ofSeconds(5));
            sampler.stop(Duration.ofSeconds(60));

            final List<Long> batches = rig.batchSeqs(RUN);
            final List<Long> acknowledged = rig.progressSeqs(RUN);
            final Map<Long, List<String>> predictions = rig.predictionsByBatch(RUN);
            assertEquals(CrashRig.range(BATCHES), batches, "isgd.batches holds each batch exactly once, in order");
            assertEquals(CrashRig.range(BATCHES), acknowledged, "the trainer trained each batch exactly once, in order");
            long predictionCount = 0;
            for (long seq = 0; seq < BATCHES; seq++) {
                assertEquals(CrashRig.BATCH, predictions.getOrDefault(seq, List.of()).size(), "predictions of batch " + seq);
                predictionCount += predictions.get(seq).size();
            }

            // the importance state, restored from the changelog into a new instance, counts every trained visit
            final Map<Long, Integer> draws = new HashMap<>();
            rig.readCommitted(Topics.BATCHES).stream().filter(r -> RUN.equals(r.key()))
                    .forEach(r -> r.value().getSampleIds().forEach(id -> draws.merge(id, 1, Integer::sum)));
            final Map<Long, Integer> visits = restoredVisits(rig, BATCHES * CrashRig.BATCH);
            assertEquals(draws, visits, "visits in the restored importance store = samples trained");

            final long lost = (long) BATCHES * CrashRig.BATCH - predictionCount;
            System.out.printf("SamplerKillIT: kills survived %d (after batches %s; kill %d on an emptied state dir), "
                    + "batches checked %d, predictions checked %d, records lost %d, restart-to-first-batch ms %s%n",
                    KILLS, killedAt, WIPED + 1, batches.size(), predictionCount, lost, restartMillis);
        }
    }

    private static Map<Long, Integer> restoredVisits(final CrashRig rig, final int total) throws InterruptedException {
        final SamplerConfig config = SamplerConfig.defaults(rig.bootstrap(), rig.work.resolve("check-state"))
                .withApplicationId(CrashRig.SAMPLER_APP_ID);
        try (SamplerApp app = SamplerApp.start(config)) {
            app.awaitRunning(Duration.ofSeconds(90));
            final Map<Long, Integer> visits = new HashMap<>();
            IsgdProcess.await(() -> {
                visits.clear();
                for (final Map.Entry<Long, SampleState> e : app.sampleStates(RUN).entrySet()) {
                    visits.put(e.getKey(), e.getValue().visits());
                }
                return visits.values().stream().mapToInt(Integer::intValue).sum() >= total;
            }, Duration.ofSeconds(60), total + " visits in the restored importance store");
            return visits;
        }
    }
}
