package org.isgd.sampler.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the token comes from, which requests it lets through, and what it refuses to start with. */
class ApiAccessTest {
    private static final String TOKEN = "0123456789abcdef0123";

    @TempDir
    Path dir;

    private static Headers with(final String authorization) {
        final Headers headers = new Headers();
        if (authorization != null) {
            headers.add("Authorization", authorization);
        }
        return headers;
    }

    @Test
    void theTokenComesFromTheFileFirstThenTheEnvironment() throws IOException {
        final Path file = Files.writeString(dir.resolve("token"), TOKEN + "\nignored\n");
        assertEquals(TOKEN, ApiAccess.token(file, Map.of(ApiAccess.TOKEN_ENV, "from-the-environment-xx")));
        assertEquals("from-the-environment-xx", ApiAccess.token(null, Map.of(ApiAccess.TOKEN_ENV, "from-the-environment-xx")));
        assertNull(ApiAccess.token(null, Map.of()));
        final Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ApiAccess.token(empty, Map.of())).getMessage()
                .contains("is empty"));
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.token(dir.resolve("missing"), Map.of()));
        assertArrayEquals("pw".toCharArray(), ApiAccess.password(null, Map.of(ApiAccess.TLS_PASSWORD_ENV, "pw")));
    }

    @Test
    void onlyTheExactBearerTokenIsLetThrough() {
        final ApiAccess access = new ApiAccess(TOKEN, null);
        assertTrue(access.allows(with("Bearer " + TOKEN)));
        assertFalse(access.allows(with(null)));
        assertFalse(access.allows(with("Bearer " + TOKEN + "x")));
        assertFalse(access.allows(with("Bearer " + TOKEN.substring(1))));
        assertFalse(access.allows(with("Basic " + TOKEN)));
        assertTrue(ApiAccess.OPEN.allows(with(null)), "without a token anyone may ask");
        assertEquals("http", access.scheme());
        assertFalse(access.toString().contains(TOKEN), "the token never shows in logs");
    }

    @Test
    void aShortTokenOrABadKeystoreIsRefusedWithWhatToDo() throws IOException {
        final IllegalArgumentException shortToken = assertThrows(IllegalArgumentException.class,
                () -> new ApiAccess("secret", null));
        assertTrue(shortToken.getMessage().contains("at least 16"), shortToken.getMessage());
        final Path notAKeystore = Files.writeString(dir.resolve("keystore.p12"), "not a keystore");
        final IllegalArgumentException badStore = assertThrows(IllegalArgumentException.class,
                () -> ApiAccess.tls(notAKeystore, "pw".toCharArray()));
        assertTrue(badStore.getMessage().contains("PKCS12"), badStore.getMessage());
    }
}
