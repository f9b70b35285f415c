package org.isgd.sampler.policy;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.isgd.schemas.RunSpec;

/** The registry of sampling policies by name: adding a policy is one line here. */
public final class Policies {
    private static final Map<String, Function<Map<String, Double>, SamplingPolicy>> FACTORIES = new TreeMap<>(Map.of(
            UniformPolicy.NAME, UniformPolicy::new));

    private Policies() {
    }

    public static boolean known(final String name) {
        return FACTORIES.containsKey(name);
    }

    public static java.util.Set<String> names() {
        return FACTORIES.keySet();
    }

    /** The policy a run asks for; an unknown name is an error that lists the known ones. */
    public static SamplingPolicy forRun(final RunSpec spec) {
        final Function<Map<String, Double>, SamplingPolicy> factory = FACTORIES.get(spec.getPolicy());
        if (factory == null) {
            throw new IllegalArgumentException("unknown policy '" + spec.getPolicy() + "' in run " + spec.getRunId()
                    + "; known policies: " + String.join(", ", names()));
        }
        return factory.apply(spec.getParams());
    }

    public static double param(final Map<String, Double> params, final String key, final double fallback) {
        final Double value = params.get(key);
        return value == null ? fallback : value;
    }
}
