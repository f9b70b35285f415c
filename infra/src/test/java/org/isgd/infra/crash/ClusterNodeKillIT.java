package org.isgd.infra.crash;

import org.isgd.infra.soak.IsgdProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.isgd.contract.Topics;
import org.junit.jupiter.api.Test;

/**
 * A three-node cluster, each node a process of its own ({@code isgd broker --nodes 3 --node i});
 * the contract's topics get three replicas and {@code min.insync.replicas} 2. Mid-run the node
 * that leads the run's partition of isgd.batches is SIGKILLed and started again: the sampler and
 * the trainer carry on through the other two, and every batch reaches the trainer exactly once,
 * in order, with its predictions.
 */
class ClusterNodeKillIT {
    private static final String RUN = "cluster-node-kill";
    private static final int BATCHES = 120;

    @Test
    void theRunCarriesOnWhenTheBatchLeaderIsKilled() throws Exception {
        final Random random = new Random(3L);
        try (CrashRig rig = new CrashRig("cluster-node-kill", 3)) {
            final List<IsgdProcess> nodes = rig.startCluster();
            rig.createRun(RUN, BATCHES);
            final int leader;
            try (Admin admin = Admin.create(rig.client())) {
                final TopicDescription batches = admin.describeTopics(List.of(Topics.BATCHES.name())).allTopicNames().get()
                        .get(Topics.BATCHES.name());
                for (final TopicPartitionInfo p : batches.partitions()) {
                    assertEquals(3, p.replicas().size(), "3 replicas of " + p);
                }
                final String minIsr = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                        Topics.BATCHES.name()))).all().get().values().iterator().next().get("min.insync.replicas").value();
                assertEquals("2", minIsr);
                // the batches of a run are keyed by its id: the default partitioner's murmur2
                final int partition = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils
                        .murmur2(RUN.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % batches.partitions().size();
                leader = batches.partitions().get(partition).leader().id();
            }
            final IsgdProcess sampler = rig.startSampler(rig.work.resolve("sampler-state"));
            final IsgdProcess trainer = rig.startTrainer(RUN, BATCHES, 50);
            final long killAt = 30 + random.nextInt(40);
            final long downMillis;
            try (CrashRig.BatchWatch watch = rig.watchBatches(RUN)) {
                rig.await(() -> watch.maxSeq() >= killAt, Duration.ofSeconds(120), "batch " + killAt);
                final long killed = System.nanoTime();
                nodes.get(leader - 1).kill();
                rig.await(() -> watch.maxSeq() >= killAt + 10, Duration.ofSeconds(120),
                        "batches while node " + leader + " is down");
                rig.startNode(leader, true);
                downMillis = (System.nanoTime() - killed) / 1_000_000;
            }
            final List<Long> acknowledged = rig.assertRunCompleteExactlyOnce(RUN, BATCHES, trainer, sampler);
            System.out.printf("ClusterNodeKillIT: node %d (leader of the run's batches) SIGKILLed after batch %d, "
                    + "restarted %d ms later; batches checked %d, lost 0, duplicated 0%n", leader, killAt, downMillis,
                    acknowledged.size());
        }
    }
}
