package org.isgd.sampler.api;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Who may ask the query API, and over what. With a bearer {@code token}, every request but
 * {@code /health} needs {@code Authorization: Bearer <token>} (a 401 otherwise); with
 * {@code tls}, the API speaks HTTPS only. Instances of one application id forward to each other
 * with the same token and trust the same keystore, so they share both. Without either (the
 * default, on 127.0.0.1) anyone who can connect may ask.
 *
 * @param token the bearer token, or null for none
 * @param tls the server's (and the forwarder's) TLS context, or null for plain HTTP
 */
public record ApiAccess(String token, SSLContext tls) {
    /** No token, plain HTTP: for the loopback default. */
    public static final ApiAccess OPEN = new ApiAccess(null, null);
    /** Where the token comes from when no file is given. */
    public static final String TOKEN_ENV = "ISGD_API_TOKEN";
    /** Where the keystore's password comes from when no file is given. */
    public static final String TLS_PASSWORD_ENV = "ISGD_API_TLS_PASSWORD";
    /** Shorter tokens are refused: a guessable token is no protection. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public ApiAccess {
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the query API token is " + token.length() + " characters long; use at "
                    + "least " + MIN_TOKEN_LENGTH + " (e.g. 'openssl rand -hex 32')");
        }
    }

    /**
     * The token: the first line of {@code file} if given, else the {@link #TOKEN_ENV} variable of
     * {@code env}; null if neither. Fails in one line if the file cannot be read or is empty.
     */
    public static String token(final Path file, final Map<String, String> env) {
        final String value = file != null ? firstLine(file, "token file") : env.get(TOKEN_ENV);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The keystore's password: the first line of {@code file} if given, else {@link #TLS_PASSWORD_ENV}; "" if neither. */
    public static char[] password(final Path file, final Map<String, String> env) {
        final String value = file != null ? firstLine(file, "password file") : env.getOrDefault(TLS_PASSWORD_ENV, "");
        return value.strip().toCharArray();
    }

    private static String firstLine(final Path file, final String what) {
        try {
            final String text = Files.readString(file, StandardCharsets.UTF_8);
            final String line = text.lines().findFirst().orElse("").strip();
            if (line.isEmpty()) {
                throw new IllegalArgumentException("the query API " + what + " " + file + " is empty");
            }
            return line;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the query API " + what + " " + file + " (" + e + ")");
        }
    }

    /**
     * A TLS context from a PKCS12 (or JKS) keystore: the server presents its key, and the
     * forwarder trusts the certificates in it (the other instances present the same).
     */
    public static SSLContext tls(final Path keystore, final char[] password) {
        try (InputStream in = Files.newInputStream(keystore)) {
            final KeyStore store = KeyStore.getInstance(keystore.toString().endsWith(".jks") ? "JKS" : "PKCS12");
            store.load(in, password);
            final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use " + keystore + " as the query API's TLS keystore (" + e
                    + "); pass a PKCS12 keystore with the server's key and its password");
        }
    }

    /** "https" with TLS, else "http". */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** Whether a request with these headers may be answered. */
    boolean allows(final Headers headers) {
        if (token == null) {
            return true;
        }
        final String given = headers.getFirst("Authorization");
        final String expected = "Bearer " + token;
        return given != null && MessageDigest.isEqual(given.strip().getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** The header a forwarded request carries, or null without a token. */
    String authorization() {
        return token == null ? null : "Bearer " + token;
    }

    @Override
    public String toString() {
        return "ApiAccess[" + (token == null ? "no token" : "token") + ", " + scheme() + "]"; // never the token
    }
}
