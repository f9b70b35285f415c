package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RouteTest {

    @Test
    void everyEndpointIsRecognised() {
        assertEquals(new Route(Route.Kind.HEALTH, null, -1), Route.parse("/health"));
        assertEquals(new Route(Route.Kind.METRICS, null, -1), Route.parse("/metrics"));
        assertEquals(new Route(Route.Kind.RUNS, null, -1), Route.parse("/runs/"));
        assertEquals(new Route(Route.Kind.RUN, "r1", -1), Route.parse("/runs/r1"));
        assertEquals(new Route(Route.Kind.SAMPLE, "r1", 42), Route.parse("/runs/r1/samples/42"));
        assertEquals(new Route(Route.Kind.HISTORY, "r1", 42), Route.parse("/runs/r1/samples/42/history"));
        assertEquals(new Route(Route.Kind.HARDEST, "r1", -1), Route.parse("/runs/r1/hardest"));
        assertEquals(new Route(Route.Kind.SUSPECTS, "r1", -1), Route.parse("/runs/r1/suspects"));
    }

    @Test
    void runIdsArePercentDecodedAndAPlusStaysAPlus() {
        assertEquals("run a+b", Route.parse("/runs/run%20a+b").runId());
    }

    @Test
    void anUnknownPathIsA404ListingTheEndpoints() {
        final ApiException error = assertThrows(ApiException.class, () -> Route.parse("/runs/r1/nope"));
        assertEquals(404, error.status());
        assertTrue(error.getMessage().contains("/runs/{runId}/hardest"), error.getMessage());
        assertEquals(404, assertThrows(ApiException.class, () -> Route.parse("/")).status());
    }

    @Test
    void aSampleIdThatIsNoNumberIsA400() {
        final ApiException error = assertThrows(ApiException.class, () -> Route.parse("/runs/r1/samples/x"));
        assertEquals(400, error.status());
        assertTrue(error.getMessage().contains("'x'"), error.getMessage());
        assertEquals(400, assertThrows(ApiException.class, () -> Route.parse("/runs/r1/samples/-3")).status());
    }
}
