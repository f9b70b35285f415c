package org.isgd.infra.crash;

import org.isgd.infra.soak.IsgdProcess;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The broker process is stopped (SIGTERM) mid-run and started again on the same port and data
 * directory: the sampler and trainer processes reconnect by themselves and the run completes with
 * every batch exactly once.
 */
class BrokerRestartIT {
    private static final String RUN = "broker-restart";
    private static final int BATCHES = 120;

    @Test
    void samplerAndTrainerCarryOnAcrossABrokerRestart() throws Exception {
        final Random random = new Random(99L);
        try (CrashRig rig = new CrashRig("broker-restart")) {
            IsgdProcess broker = rig.startBroker();
            rig.createRun(RUN, BATCHES);
            final IsgdProcess sampler = rig.startSampler(rig.work.resolve("sampler-state"));
            final IsgdProcess trainer = rig.startTrainer(RUN, BATCHES, 50);
            final long restartAt = 30 + random.nextInt(40);
            final long downMillis;
            try (CrashRig.BatchWatch watch = rig.watchBatches(RUN)) {
                rig.await(() -> watch.maxSeq() >= restartAt, Duration.ofSeconds(120), "batch " + restartAt);
                final long stopped = System.nanoTime();
                broker.stop(Duration.ofSeconds(60));
                broker = rig.startBroker();
                downMillis = (System.nanoTime() - stopped) / 1_000_000;
            }
            final List<Long> acknowledged = rig.assertRunCompleteExactlyOnce(RUN, BATCHES, trainer, sampler);
            // the evidence a hang would leave (rig.await dumps every JVM's threads when it times out) does reach the logs
            broker.dumpThreads();
            broker.awaitLine("^Full thread dump", Duration.ofSeconds(30));
            System.out.printf("BrokerRestartIT: broker restarted after batch %d (down %d ms), batches checked %d, "
                    + "records lost 0%n", restartAt, downMillis, acknowledged.size());
        }
    }
}
