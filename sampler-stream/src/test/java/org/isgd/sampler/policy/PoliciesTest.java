package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    @Test
    void everyPolicyIsRegisteredAndBuiltFromItsRunSpec() {
        assertEquals(Set.of("uniform", "early-importance", "upper-bound", "selective-backprop", "infobatch", "rho-loss"),
                Policies.names());
        for (final String name : Policies.names()) {
            final SamplingPolicy policy = Policies.forRun(spec(name, 8, 100L));
            assertEquals(name, policy.name());
            policy.put(1, 0, null);
            // rho-loss sends candidate batches only: 4·8 by default
            assertEquals(name.equals("rho-loss") ? 32 : 8, policy.draw(0, 8, PolicyTesting.random(0, 0)).sampleIds().length);
            assertEquals(Set.of(), policy.suspects());
        }
    }

    @Test
    void describeListsEveryParameterWithItsDefault() {
        final List<String> lines = Policies.describe();
        assertTrue(lines.contains("early-importance: warmupEpochs=2 smoothing=1 freeze=0 epsilon=0 maxWeight=10"
                + " suspectP=0.05 suspectVisits=3 suspectCap=0.5 referenceP=0.05"), String.join("\n", lines));
        assertTrue(lines.contains("upper-bound: tauThreshold=1.5 epsilon=0 maxWeight=10 suspectP=0.05 suspectVisits=3"
                + " suspectCap=0.5 referenceP=0.05 presample=1"));
        assertTrue(lines.contains("selective-backprop: minProb=0.05 beta=3 history=1024 epsilon=0 suspectP=0.05"
                + " suspectVisits=3 suspectCap=0.5 referenceP=0.2 presample=1"));
        assertTrue(lines.contains("infobatch: pruneRatio=0.5 annealFraction=0.125 maxWeight=10 suspectP=0.05"
                + " suspectVisits=3 suspectCap=0.5 referenceP=0.05"));
        assertTrue(lines.contains("uniform:"));
        assertTrue(lines.contains("rho-loss: presample=4"));
        assertTrue(Policies.help("infobatch").get(0).startsWith("pruneRatio=0.5  [0, 1)  "));
    }

    @Test
    void anUnknownParameterIsRefusedWithTheKnownOnes() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Policies.forRun(spec("early-importance", 8, null, "warmup", 2)));
        assertTrue(e.getMessage().contains("'warmup'"), e.getMessage());
        assertTrue(e.getMessage().contains("warmupEpochs=2 [0, 1000000]"), e.getMessage());
        assertTrue(e.getMessage().contains("smoothing=1"), e.getMessage());
        assertTrue(Policies.check(spec("uniform", 8, null, "epsilon", 0.1)).contains("has no parameters"));
    }

    @Test
    void anOutOfRangeValueIsRefusedWithItsRange() {
        final String problem = Policies.check(spec("infobatch", 8, null, "pruneRatio", 1.0));
        assertTrue(problem.contains("'pruneRatio'") && problem.contains("[0, 1)"), problem);
        assertTrue(Policies.check(spec("early-importance", 8, null, "freeze", 0.5)).contains("integer in [0, 1]"));
        assertTrue(Policies.check(spec("selective-backprop", 8, null, "minProb", 0)).contains("(0, 1]"));
        assertTrue(Policies.check(spec("selective-backprop", 8, null, "history", 100_000)).contains("'history'"));
        assertThrows(IllegalArgumentException.class,
                () -> new UpperBoundPolicy(spec("upper-bound", 8, null, "maxWeight", 0.5)));
        assertTrue(Policies.check(spec("nope", 8, null)).contains("known policies"));
        assertNull(Policies.check(spec("upper-bound", 8, null, "tauThreshold", 2, "epsilon", 0.1)));
    }
}
