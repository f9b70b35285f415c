package org.isgd.infra.crash;

import org.isgd.infra.soak.IsgdProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * The trainer process is SIGKILLed mid-run, after it wrote a checkpoint, and started again with the
 * same command: it must resume right after its last acknowledged batch from its checkpoint, and no
 * batch may be acknowledged twice or skipped (prediction batches and the consumer offset commit in
 * transactions of a few batches, so a kill anywhere leaves each batch either wholly acknowledged or
 * not at all; the batches of an open transaction are trained again, their first publication aborted).
 */
class TrainerKillIT {
    private static final String RUN = "trainer-kill";
    private static final int BATCHES = 120;
    private static final int CHECKPOINT_EVERY = 20;

    @Test
    void aKilledTrainerResumesAfterItsLastAcknowledgedBatchFromItsCheckpoint() throws Exception {
        final Random random = new Random(7321L);
        try (CrashRig rig = new CrashRig("trainer-kill")) {
            rig.startBroker();
            rig.createRun(RUN, BATCHES);
            final IsgdProcess sampler = rig.startSampler(rig.work.resolve("sampler-state"));
            final IsgdProcess first = rig.startTrainer(RUN, BATCHES, CHECKPOINT_EVERY);
            first.awaitLine("^starting run " + RUN + " rank 0 at batch 0", CrashRig.START);
            final long killAt = 2L * CHECKPOINT_EVERY + 5 + random.nextInt(30);
            try (CrashRig.BatchWatch watch = rig.watchBatches(RUN)) {
                // the sampler runs at most `lead` batches ahead of the trainer's acknowledgements
                rig.await(() -> watch.maxSeq() >= killAt, Duration.ofSeconds(120), "batch " + killAt);
            }
            assertTrue(Files.exists(rig.work.resolve("checkpoints").resolve("checkpoint.properties")),
                    "a checkpoint was written before the kill");
            first.kill();

            final IsgdProcess second = rig.startTrainer(RUN, BATCHES, CHECKPOINT_EVERY);
            final Matcher resumed = second.awaitLine("^resuming run " + RUN + " rank 0 at batch (\\d+) "
                    + "\\(checkpoint from step (\\d+)\\)", CrashRig.START);
            final long resumeAt = Long.parseLong(resumed.group(1));
            final long checkpointStep = Long.parseLong(resumed.group(2));
            assertEquals(0, second.awaitExit(Duration.ofSeconds(180)), "restarted trainer failed; see " + second.log());
            second.awaitLine("^trained " + (BATCHES - resumeAt) + " batches", Duration.ofSeconds(5));
            sampler.stop(Duration.ofSeconds(60));

            final List<Long> acknowledged = rig.progressSeqs(RUN);
            assertEquals(CrashRig.range(BATCHES), acknowledged, "each batch acknowledged exactly once, in order");
            assertEquals(CrashRig.range(BATCHES), rig.batchSeqs(RUN), "isgd.batches holds each batch exactly once");
            assertTrue(checkpointStep > 0 && checkpointStep % CHECKPOINT_EVERY == 0 && checkpointStep <= resumeAt,
                    "resumed from a periodic checkpoint at or before the resume point: step " + checkpointStep
                            + ", batch " + resumeAt);
            // the first trainer published (and acknowledged) exactly the batches before the resume point,
            // the second one exactly those from it on: nothing trained twice, nothing skipped
            final Map<Long, List<String>> predictions = rig.predictionsByBatch(RUN);
            assertEquals(BATCHES, predictions.size());
            final String firstId = predictions.get(0L).get(0);
            final String secondId = predictions.get((long) BATCHES - 1).get(0);
            for (long seq = 0; seq < BATCHES; seq++) {
                final List<String> ids = predictions.get(seq);
                assertEquals(CrashRig.BATCH, ids.size(), "predictions of batch " + seq);
                assertEquals(Set.of(seq < resumeAt ? firstId : secondId), Set.copyOf(ids), "trainer of batch " + seq);
            }
            System.out.printf("TrainerKillIT: trainer killed after batch %d was drawn, resumed at batch %d from the "
                    + "checkpoint of step %d, batches checked %d, each acknowledged once, records lost 0%n",
                    killAt, resumeAt, checkpointStep, acknowledged.size());
        }
    }
}
