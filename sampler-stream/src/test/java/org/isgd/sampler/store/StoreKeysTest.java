package org.isgd.sampler.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StoreKeysTest {
    @Test
    void keysSortLikeTheirIdsAndParseBack() {
        assertEquals("toy/0000000000000000042", StoreKeys.key("toy", 42));
        assertEquals(42, StoreKeys.sampleId(StoreKeys.key("toy", 42)));
        assertEquals("toy", StoreKeys.owner(StoreKeys.key("toy", 42)));
        assertEquals(Long.MAX_VALUE, StoreKeys.sampleId(StoreKeys.key("toy", Long.MAX_VALUE)));
        assertTrue(StoreKeys.key("toy", 9).compareTo(StoreKeys.key("toy", 10)) < 0, "lexical order = numeric order");
    }
}
