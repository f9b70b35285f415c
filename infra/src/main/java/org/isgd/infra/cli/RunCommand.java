package org.isgd.infra.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isgd.infra.common.Stamp;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.topics.RunCatalog;
import org.isgd.sampler.policy.Policies;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code isgd run create|list|show|stop}: runs are specs on the compacted isgd.runs topic. */
@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Create, list, show and stop training runs.",
        subcommands = {RunCommand.Create.class, RunCommand.ListRuns.class, RunCommand.Show.class, RunCommand.Stop.class})
final class RunCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Publish a RunSpec: the sampler starts emitting batches for it.")
    static final class Create implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;
        @Mixin
        RunOptions run;

        @Option(names = "--run-id", description = "Run id (no '/'). Default: run-<date>-<time>.")
        String runId;

        @Override
        public Integer call() throws Exception {
            final String id = runId != null ? runId
                    : "run-" + Stamp.now();
            final RunSpec spec = run.toSpec(id);
            kafka.requireReachable();
            if (RunCatalog.read(kafka.clientProperties()).containsKey(id)) {
                throw new UsageException("run '" + id + "' exists already; pick another --run-id");
            }
            RunCatalog.publish(kafka.clientProperties(), spec);
            System.out.printf("created run %s: policy %s, dataset %s, batch size %d, lead %d, budget %s%n", id,
                    spec.getPolicy(), spec.getDataset(), spec.getBatchSize(), spec.getLead(),
                    spec.getBudgetBatches() == null ? "unbounded" : spec.getBudgetBatches() + " batches");
            return 0;
        }
    }

    /** The options that define a run; shared with the demo. */
    static final class RunOptions {
        @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Dataset of the run's population.")
        String dataset;
        @Option(names = "--policy", defaultValue = "uniform", description = "Sampling policy: ${COMPLETION-CANDIDATES}.",
                completionCandidates = PolicyNames.class)
        String policy;
        @Option(names = "--param", paramLabel = "KEY=VALUE", showDefaultValue = Visibility.NEVER,
                description = "Policy parameter; repeatable. The parameters of each policy, with defaults, are listed below.")
        Map<String, Double> params = new LinkedHashMap<>();
        @Mixin
        BatchOptions batch;
        @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampler's draws.")
        long seed;
        @Option(names = "--budget-batches", description = "Batches the run gets in all (Arazo et al.); default unbounded.")
        Long budgetBatches;
        @Option(names = "--world-size", defaultValue = "1", description = "Data-parallel trainer ranks.")
        int worldSize;
        @Option(names = "--lead", defaultValue = "8", description = "Batches emitted ahead of the last acknowledged one.")
        int lead;
        @Option(names = "--min-population", description = "Hold the first batch until the run's population has this many "
                + "samples (e.g. the number just registered). Default: start once registrations pause.")
        Long minPopulation;

        RunSpec toSpec(final String runId) {
            if (!Policies.known(policy)) {
                throw new UsageException("unknown policy '" + policy + "'; choose one of: " + String.join(", ", Policies.names()));
            }
            if (runId.isEmpty() || runId.contains("/") || dataset.isEmpty() || dataset.contains("/")) {
                throw new UsageException("run id and dataset must be non-empty and contain no '/'");
            }
            if (batch.batchSize <= 0 || worldSize <= 0 || lead < 0 || (budgetBatches != null && budgetBatches <= 0)
                    || (minPopulation != null && minPopulation <= 0)) {
                throw new UsageException("--batch-size, --world-size, --budget-batches and --min-population must be > 0, "
                        + "--lead >= 0");
            }
            final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset(dataset).setPolicy(policy)
                    .setParams(Map.copyOf(params)).setBatchSize(batch.batchSize).setSeed(seed).setBudgetBatches(budgetBatches)
                    .setWorldSize(worldSize).setLead(lead).setMinPopulation(minPopulation).setState(RunState.ACTIVE).build();
            final String problem = Policies.check(spec);
            if (problem != null) {
                throw new UsageException(problem);
            }
            return spec;
        }
    }

    static final class PolicyNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Policies.names().iterator();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, showDefaultValues = true, description = "List runs and their state.")
    static final class ListRuns implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            kafka.requireReachable();
            final Map<String, RunSpec> runs = RunCatalog.read(kafka.clientProperties());
            System.out.printf("%-28s %-9s %-20s %-14s %6s %8s%n", "RUN", "STATE", "POLICY", "DATASET", "BATCH", "BUDGET");
            runs.values().forEach(r -> System.out.printf("%-28s %-9s %-20s %-14s %6d %8s%n", r.getRunId(), r.getState(),
                    r.getPolicy(), r.getDataset(), r.getBatchSize(), r.getBudgetBatches() == null ? "-" : r.getBudgetBatches()));
            if (runs.isEmpty()) {
                System.out.println("(no runs; create one with 'infra/isgd run create')");
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Show one run's spec.")
    static final class Show implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;
        @Parameters(paramLabel = "RUN_ID")
        String runId;

        @Override
        public Integer call() {
            kafka.requireReachable();
            System.out.println(RunCatalog.require(kafka.clientProperties(), runId));
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Mark a run FINISHED (or PAUSED with --pause, ACTIVE again with --resume).")
    static final class Stop implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;
        @Parameters(paramLabel = "RUN_ID")
        String runId;
        @Option(names = "--pause", description = "Pause instead of finishing.")
        boolean pause;
        @Option(names = "--resume", description = "Make a paused run ACTIVE again.")
        boolean resume;

        @Override
        public Integer call() throws Exception {
            kafka.requireReachable();
            final RunSpec spec = RunCatalog.require(kafka.clientProperties(), runId);
            spec.setState(resume ? RunState.ACTIVE : pause ? RunState.PAUSED : RunState.FINISHED);
            RunCatalog.publish(kafka.clientProperties(), spec);
            System.out.printf("run %s is now %s%n", runId, spec.getState());
            return 0;
        }
    }
}
