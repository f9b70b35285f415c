package org.isgd.sampler.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A run's policy parameters, checked against what the policy declares: every given name must be
 * declared and in range; missing ones take their defaults.
 */
public final class PolicyParams {
    private final Map<String, Double> values = new HashMap<>();
    private final Set<String> givenNames;

    private PolicyParams(final String policy, final List<Param> declared, final Map<String, Double> given) {
        final Map<String, Param> byName = declared.stream().collect(Collectors.toMap(Param::name, p -> p));
        for (final Map.Entry<String, Double> entry : given.entrySet()) {
            final Param param = byName.get(entry.getKey());
            if (param == null) {
                throw new IllegalArgumentException("unknown parameter '" + entry.getKey() + "' for policy " + policy
                        + "; " + known(declared));
            }
            final Double value = entry.getValue();
            if (value == null || !param.allows(value)) {
                throw new IllegalArgumentException("parameter '" + param.name() + "' of policy " + policy + " is "
                        + value + ", allowed: " + param.range() + "; " + known(declared));
            }
        }
        for (final Param param : declared) {
            values.put(param.name(), given.getOrDefault(param.name(), param.defaultValue()));
        }
        this.givenNames = Set.copyOf(given.keySet());
    }

    /** Checks {@code given} against {@code declared}; IllegalArgumentException naming the parameter if wrong. */
    public static PolicyParams of(final String policy, final List<Param> declared, final Map<String, Double> given) {
        return new PolicyParams(policy, declared, given == null ? Map.of() : given);
    }

    public double get(final Param param) {
        final Double value = values.get(param.name());
        if (value == null) {
            throw new IllegalStateException("parameter " + param.name() + " is not declared by this policy");
        }
        return value;
    }

    /** Whether the run gave the parameter (else it has its default). */
    public boolean given(final Param param) {
        return givenNames.contains(param.name());
    }

    public int getInt(final Param param) {
        return (int) get(param);
    }

    static String known(final List<Param> declared) {
        if (declared.isEmpty()) {
            return "this policy has no parameters";
        }
        return "known parameters: " + declared.stream().map(p -> p.withDefault() + " " + p.range())
                .collect(Collectors.joining(", "));
    }
}
