package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QueryParametersTest {

    @Test
    void asOfTakesEpochMillisOrIso8601() {
        assertEquals(1_714_564_800_000L, new QueryParameters("asOf=1714564800000").asOf());
        assertEquals(1_714_564_800_000L, new QueryParameters("asOf=2024-05-01T12:00:00Z").asOf());
        assertEquals(1_714_564_800_000L, new QueryParameters("asOf=2024-05-01T14:00:00%2B02:00").asOf());
        assertNull(new QueryParameters(null).asOf());
    }

    @Test
    void aBadTimeIsA400ThatShowsTheFormat() {
        final ApiException error = assertThrows(ApiException.class, () -> new QueryParameters("asOf=yesterday").asOf());
        assertEquals(400, error.status());
        assertTrue(error.getMessage().contains("2024-05-01T12:00:00Z"), error.getMessage());
    }

    @Test
    void kDefaultsToTenAndMustBePositive() {
        assertEquals(10, new QueryParameters("").k());
        assertEquals(3, new QueryParameters("k=3").k());
        assertEquals(400, assertThrows(ApiException.class, () -> new QueryParameters("k=0").k()).status());
        assertEquals(400, assertThrows(ApiException.class, () -> new QueryParameters("k=ten").k()).status());
    }

    @Test
    void localIsAFlag() {
        assertTrue(new QueryParameters("local=true").local());
        assertTrue(new QueryParameters("k=2&local").local());
        assertFalse(new QueryParameters("local=false").local());
        assertFalse(new QueryParameters(null).local());
    }
}
