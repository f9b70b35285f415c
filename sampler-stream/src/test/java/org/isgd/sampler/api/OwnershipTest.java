package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

class OwnershipTest {
    private static final HostInfo SELF = new HostInfo("127.0.0.1", 8085);
    private static final HostInfo OTHER = new HostInfo("127.0.0.1", 8086);

    @Test
    void theOwnerAnswersItself() {
        assertEquals(Optional.empty(), Ownership.decide(SELF, Optional.of(SELF), false, "d"));
        assertEquals(Optional.empty(), Ownership.decide(SELF, Optional.of(SELF), true, "d"));
    }

    @Test
    void anotherOwnerGetsTheRequestForwarded() {
        assertEquals(Optional.of(OTHER), Ownership.decide(SELF, Optional.of(OTHER), false, "d"));
    }

    @Test
    void anInstanceWithoutAnEndpointAnswersEverythingItself() {
        assertEquals(Optional.empty(), Ownership.decide(null, Optional.empty(), false, "d"));
    }

    @Test
    void anUnknownOwnerIsA503ToRetry() {
        final ApiException error = assertThrows(ApiException.class,
                () -> Ownership.decide(SELF, Optional.empty(), false, "fashion"));
        assertEquals(503, error.status());
        assertTrue(error.getMessage().contains("rebalancing, retry"), error.getMessage());
    }

    @Test
    void aForwardedRequestIsNeverForwardedAgain() {
        final ApiException error = assertThrows(ApiException.class,
                () -> Ownership.decide(SELF, Optional.of(OTHER), true, "d"));
        assertEquals(503, error.status());
        assertTrue(error.getMessage().contains("retry"), error.getMessage());
    }

    @Test
    void anOwnerWithoutAnApiIsA503ThatSaysHowToFixIt() {
        final ApiException error = assertThrows(ApiException.class,
                () -> Ownership.decide(SELF, Optional.of(HostInfo.unavailable()), false, "d"));
        assertEquals(503, error.status());
        assertTrue(error.getMessage().contains("--api-port"), error.getMessage());
    }
}
