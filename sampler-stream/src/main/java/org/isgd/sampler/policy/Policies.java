package org.isgd.sampler.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.isgd.schemas.RunSpec;

/** The registry of sampling policies by name: adding a policy is one line here. */
public final class Policies {
    /** A policy: its name, the parameters it reads (with defaults and ranges), and its factory. */
    public record Entry(String name, List<Param> params, Function<RunSpec, SamplingPolicy> factory) {
    }

    private static final Map<String, Entry> ENTRIES = new TreeMap<>(Map.of(
            UniformPolicy.NAME, new Entry(UniformPolicy.NAME, UniformPolicy.PARAMS, UniformPolicy::new),
            EarlyImportancePolicy.NAME, new Entry(EarlyImportancePolicy.NAME, EarlyImportancePolicy.PARAMS,
                    EarlyImportancePolicy::new),
            UpperBoundPolicy.NAME, new Entry(UpperBoundPolicy.NAME, UpperBoundPolicy.PARAMS, UpperBoundPolicy::new),
            SelectiveBackpropPolicy.NAME, new Entry(SelectiveBackpropPolicy.NAME, SelectiveBackpropPolicy.PARAMS,
                    SelectiveBackpropPolicy::new),
            InfoBatchPolicy.NAME, new Entry(InfoBatchPolicy.NAME, InfoBatchPolicy.PARAMS, InfoBatchPolicy::new),
            RhoLossPolicy.NAME, new Entry(RhoLossPolicy.NAME, RhoLossPolicy.PARAMS, RhoLossPolicy::new)));

    private Policies() {
    }

    public static boolean known(final String name) {
        return ENTRIES.containsKey(name);
    }

    public static Set<String> names() {
        return ENTRIES.keySet();
    }

    /** The parameters a policy reads; an unknown name is an error that lists the known ones. */
    public static List<Param> params(final String policy) {
        return entry(policy, null).params();
    }

    /** The policy a run asks for; an unknown name or a bad parameter is an IllegalArgumentException. */
    public static SamplingPolicy forRun(final RunSpec spec) {
        return entry(spec.getPolicy(), spec.getRunId()).factory().apply(spec);
    }

    /**
     * What is wrong with a run's policy and parameters, or null if nothing: an unknown policy, an
     * unknown parameter, or a value out of range, each with the policy's known parameters.
     */
    public static String check(final RunSpec spec) {
        try {
            final Entry entry = entry(spec.getPolicy(), spec.getRunId());
            PolicyParams.of(entry.name(), entry.params(), spec.getParams());
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** One line per policy, its parameters with their defaults: {@code infobatch: pruneRatio=0.5 ...}. */
    public static List<String> describe() {
        return ENTRIES.values().stream()
                .map(e -> e.name() + ":" + e.params().stream().map(p -> " " + p.withDefault()).collect(Collectors.joining()))
                .toList();
    }

    /** Per parameter of a policy: {@code name=default  range  what it does}, for detailed help. */
    public static List<String> help(final String policy) {
        return params(policy).stream()
                .map(p -> String.format(java.util.Locale.ROOT, "%s  %s  %s", p.withDefault(), p.range(), p.description()))
                .toList();
    }

    public static double param(final Map<String, Double> params, final String key, final double fallback) {
        final Double value = params.get(key);
        return value == null ? fallback : value;
    }

    private static Entry entry(final String policy, final String runId) {
        final Entry entry = ENTRIES.get(policy);
        if (entry == null) {
            throw new IllegalArgumentException("unknown policy '" + policy + "'" + (runId == null ? "" : " in run " + runId)
                    + "; known policies: " + String.join(", ", names()));
        }
        return entry;
    }
}
