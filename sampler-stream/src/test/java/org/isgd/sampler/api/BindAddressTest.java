package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BindAddressTest {

    @Test
    void loopbackIsAllowed() {
        assertTrue(BindAddress.check("127.0.0.1", false).isLoopbackAddress());
        assertTrue(BindAddress.check("localhost", false).isLoopbackAddress());
        assertTrue(BindAddress.check("::1", false).isLoopbackAddress());
    }

    @Test
    void aWildcardOrOtherAddressIsRefusedUnlessAllowed() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> BindAddress.check("0.0.0.0", false));
        assertTrue(error.getMessage().contains("not a loopback address"), error.getMessage());
        assertTrue(error.getMessage().contains("--allow-remote-api"), error.getMessage());
        final IllegalArgumentException noToken = assertThrows(IllegalArgumentException.class,
                () -> BindAddress.check("0.0.0.0", true, false));
        assertTrue(noToken.getMessage().contains("without a bearer token"), noToken.getMessage());
        assertTrue(noToken.getMessage().contains(ApiAccess.TOKEN_ENV), noToken.getMessage());
        assertTrue(BindAddress.check("0.0.0.0", true, true).isAnyLocalAddress());
    }
}
