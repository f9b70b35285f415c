package org.isgd.infra.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.isgd.contract.Topic;
import org.isgd.contract.Topics;

/**
 * Creates the wire contract's topics ({@link Topics#ALL}) idempotently: missing topics are
 * created from a {@link TopicPlan}, existing ones are left alone. The one thing checked on
 * existing topics is co-partitioning: if {@code isgd.samples} or {@code isgd.predictions}
 * already exists with a partition count other than the plan's, nothing is created and a
 * {@link TopicSetupException} explains what to do. Other differences are reported as warnings.
 *
 * <p>Per-topic configs: {@code isgd.runs} is compacted; {@code isgd.samples} is kept forever
 * (it is the sample registry every run draws from), and so is {@code isgd.irreducible-losses};
 * {@code isgd.dead-letters} keeps
 * {@link TopicPlan#deadLetterRetention()}; {@code min.insync.replicas} is 2 when the
 * replication factor is 3 or more, else 1.
 */
public final class TopicSetup {

    private TopicSetup() {
    }

    /** What {@link #ensureTopics} did. Lists keep {@link Topics#ALL} order. */
    public record Result(List<String> created, List<String> existing, Map<String, Integer> partitions,
                         short replicationFactor, int brokers, List<String> warnings) {
        public Result {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
            partitions = Map.copyOf(partitions);
            warnings = List.copyOf(warnings);
        }

        public boolean createdAny() {
            return !created.isEmpty();
        }

        /** Multi-line human summary for command-line output. */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append("Topics (").append(brokers).append(brokers == 1 ? " broker" : " brokers")
                    .append(", replication factor ").append(replicationFactor).append(" for new topics):\n");
            for (Topic<?, ?> t : Topics.ALL) {
                String n = t.name();
                String state = created.contains(n) ? "created" : existing.contains(n) ? "exists " : "?      ";
                sb.append(String.format("  %s  %-20s %3d partitions%n", state, n, partitions.getOrDefault(n, -1)));
            }
            for (String w : warnings) {
                sb.append("  warning: ").append(w).append('\n');
            }
            return sb.toString().stripTrailing();
        }

        @Override
        public String toString() {
            return summary();
        }
    }

    /** {@link #ensureTopics(Map, TopicPlan)} with {@link TopicPlan#defaults()}. */
    public static Result ensureTopics(Map<String, Object> clientProperties) {
        return ensureTopics(clientProperties, TopicPlan.defaults());
    }

    /**
     * Creates the contract's missing topics.
     *
     * @param clientProperties Kafka client properties passed to the AdminClient as is
     *                         ({@code bootstrap.servers}, security settings, ...)
     * @throws TopicSetupException if the cluster cannot be reached, the replication factor
     *                             exceeds the brokers, or existing topics break co-partitioning
     */
    public static Result ensureTopics(Map<String, Object> clientProperties, TopicPlan plan) {
        try (Admin admin = Admin.create(new HashMap<>(clientProperties))) {
            return ensureTopics(admin, plan);
        }
    }

    /** Same as {@link #ensureTopics(Map, TopicPlan)} with a caller-owned AdminClient. */
    public static Result ensureTopics(Admin admin, TopicPlan plan) {
        int brokers = await(admin.describeCluster().nodes(), "describe the Kafka cluster").size();
        if (brokers == 0) {
            throw new TopicSetupException("The Kafka cluster reports no brokers: wait for the brokers to start and retry.");
        }
        int rf = plan.replicationFactor().orElse(Math.min(3, brokers));
        if (rf > brokers) {
            throw new TopicSetupException("Replication factor " + rf + " exceeds the " + brokers
                    + " broker(s) in the cluster: use a replication factor of at most " + brokers + ".");
        }

        Map<String, Integer> planned = plan.partitions();
        Map<String, TopicDescription> existing = describeExisting(admin, planned.keySet());

        // Co-partitioning check before creating anything, so a failure leaves the cluster as it was.
        List<String> coPartitionErrors = new ArrayList<>();
        for (Topic<?, ?> t : List.of(Topics.SAMPLES, Topics.PREDICTIONS)) {
            TopicDescription d = existing.get(t.name());
            if (d != null && d.partitions().size() != planned.get(t.name())) {
                coPartitionErrors.add(t.name() + " has " + d.partitions().size() + " partitions");
            }
        }
        if (!coPartitionErrors.isEmpty()) {
            TopicDescription s = existing.get(Topics.SAMPLES.name());
            TopicDescription p = existing.get(Topics.PREDICTIONS.name());
            String fix = s != null && p != null && s.partitions().size() != p.partitions().size()
                    ? "recreate both topics with the same count"
                    : "use " + (s != null ? s : p).partitions().size() + " sample partitions in the plan, or recreate the topics";
            throw new TopicSetupException("Co-partitioning of " + Topics.SAMPLES.name() + " and " + Topics.PREDICTIONS.name()
                    + " would break: " + String.join(", ", coPartitionErrors) + " but the plan asks for "
                    + plan.samplePartitions() + ": " + fix + ".");
        }

        List<String> warnings = new ArrayList<>();
        Map<String, Integer> actual = new LinkedHashMap<>();
        List<NewTopic> toCreate = new ArrayList<>();
        for (var e : planned.entrySet()) {
            TopicDescription d = existing.get(e.getKey());
            if (d != null) {
                actual.put(e.getKey(), d.partitions().size());
                if (d.partitions().size() != e.getValue()) {
                    warnings.add(e.getKey() + " exists with " + d.partitions().size() + " partitions, the plan has "
                            + e.getValue() + " (left as is)");
                }
            } else {
                actual.put(e.getKey(), e.getValue());
                toCreate.add(new NewTopic(e.getKey(), e.getValue(), (short) rf).configs(configs(e.getKey(), rf, plan)));
            }
        }
        if (existing.containsKey(Topics.RUNS.name())) {
            checkCompacted(admin, warnings);
        }

        List<String> created = new ArrayList<>();
        if (!toCreate.isEmpty()) {
            Map<String, KafkaFuture<Void>> futures = admin.createTopics(toCreate).values();
            for (NewTopic nt : toCreate) {
                try {
                    futures.get(nt.name()).get();
                    created.add(nt.name());
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof TopicExistsException) {
                        // Created concurrently by someone else: it exists, fine.
                        continue;
                    } else {
                        throw failure("create topic " + nt.name(), ex.getCause());
                    }
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new TopicSetupException("Interrupted while creating topic " + nt.name() + ".", ex);
                }
            }
        }
        List<String> present = new ArrayList<>();
        for (String n : planned.keySet()) {
            if (!created.contains(n)) {
                present.add(n);
            }
        }
        return new Result(created, present, actual, (short) rf, brokers, warnings);
    }

    static Map<String, String> configs(String topic, int rf, TopicPlan plan) {
        Map<String, String> c = new HashMap<>();
        c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, rf >= 3 ? "2" : "1");
        if (topic.equals(Topics.RUNS.name())) {
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        } else if (topic.equals(Topics.SAMPLES.name()) || topic.equals(Topics.IRREDUCIBLE_LOSSES.name())) {
            c.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
        } else if (topic.equals(Topics.DEAD_LETTERS.name())) {
            var r = plan.deadLetterRetention();
            c.put(TopicConfig.RETENTION_MS_CONFIG, r == null || r.isNegative() ? "-1" : String.valueOf(r.toMillis()));
        }
        return c;
    }

    private static Map<String, TopicDescription> describeExisting(Admin admin, Collection<String> names) {
        Map<String, TopicDescription> out = new HashMap<>();
        Set<String> listed = await(admin.listTopics().names(), "list topics");
        List<String> present = names.stream().filter(listed::contains).toList();
        if (present.isEmpty()) {
            return out;
        }
        var futures = admin.describeTopics(present).topicNameValues();
        for (String n : present) {
            try {
                out.put(n, futures.get(n).get());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failure("describe topic " + n, e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicSetupException("Interrupted while describing topic " + n + ".", e);
            }
        }
        return out;
    }

    private static void checkCompacted(Admin admin, List<String> warnings) {
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RUNS.name());
        Config cfg = await(admin.describeConfigs(List.of(res)).values().get(res), "describe " + Topics.RUNS.name());
        ConfigEntry policy = cfg.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            warnings.add(Topics.RUNS.name() + " is not compacted (cleanup.policy="
                    + (policy == null ? "?" : policy.value()) + "); set cleanup.policy=compact on it");
        }
    }

    private static <T> T await(KafkaFuture<T> f, String what) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicSetupException("Interrupted while trying to " + what + ".", e);
        }
    }

    private static TopicSetupException failure(String what, Throwable cause) {
        String msg = cause == null ? "unknown error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        return new TopicSetupException("Could not " + what + " (" + msg.replaceAll("\\s+", " ")
                + "): check bootstrap.servers, the security settings and that the cluster is up.", cause);
    }
}
