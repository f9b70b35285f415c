package org.isgd.sampler.policy;

import static org.isgd.sampler.policy.PolicyTesting.label;
import static org.isgd.sampler.policy.PolicyTesting.random;
import static org.isgd.sampler.policy.PolicyTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.isgd.contract.CandidateSelection;
import org.junit.jupiter.api.Test;

class RhoLossPolicyTest {
    @Test
    void sendsEveryEpochAsCandidateBatchesOfPresampleTimesTheBatch() {
        final RhoLossPolicy policy = new RhoLossPolicy(spec(RhoLossPolicy.NAME, 10, null, "presample", 3));
        for (long id = 0; id < 90; id++) {
            policy.put(id, label(id), null);
        }
        final Set<Long> epoch = new HashSet<>();
        for (long seq = 0; seq < 3; seq++) {
            final SamplingPolicy.Draw draw = policy.draw(seq, 10, random(1, seq));
            assertEquals(30, draw.sampleIds().length);
            assertEquals(CandidateSelection.PHASE, draw.phase());
            for (int i = 0; i < 30; i++) {
                assertTrue(epoch.add(draw.sampleIds()[i]), "once per epoch");
                assertEquals(1.0 / 90, draw.probabilities()[i], 1e-15);
                assertEquals(1f, draw.weights()[i]);
                assertEquals(label(draw.sampleIds()[i]), draw.labels()[i]);
            }
        }
        assertEquals(90, epoch.size());
        policy.draw(3, 10, random(1, 3));
        policy.put(1000, 3, null); // a newcomer mid-epoch comes first
        assertEquals(1000, policy.draw(4, 10, random(1, 4)).sampleIds()[0]);
        assertFalse(policy.shardable());
    }

    @Test
    void presampleOneIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new RhoLossPolicy(spec(RhoLossPolicy.NAME, 10, null, "presample", 1)));
    }
}
