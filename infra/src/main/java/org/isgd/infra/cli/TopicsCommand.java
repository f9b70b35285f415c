package org.isgd.infra.cli;

import java.util.concurrent.Callable;
import org.isgd.infra.topics.TopicPlan;
import org.isgd.infra.topics.TopicSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd topics}: creates the contract's topics; running it again changes nothing. */
@Command(name = "topics", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Create the isgd.* topics of the wire contract (idempotent).")
final class TopicsCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--sample-partitions", defaultValue = "6",
            description = "Partitions of isgd.samples and isgd.predictions (co-partitioned: always equal).")
    int samplePartitions;

    @Option(names = "--run-partitions", defaultValue = "6", description = "Partitions of the runId-keyed topics isgd.prediction-batches, isgd.progress and isgd.batches (the sampler's run tasks).")
    int runPartitions;

    @Option(names = "--replication-factor", description = "Replication factor; default min(3, brokers in the cluster).")
    Integer replicationFactor;

    @Override
    public Integer call() {
        kafka.requireReachable();
        TopicPlan plan = TopicPlan.defaults().withSamplePartitions(samplePartitions).withRunStreamPartitions(runPartitions);
        if (replicationFactor != null) {
            plan = plan.withReplicationFactor(replicationFactor);
        }
        System.out.println(TopicSetup.ensureTopics(kafka.clientProperties(), plan).summary());
        return 0;
    }
}
