package org.isgd.sampler.api;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where the query API listens: loopback unless the operator says otherwise. Any other address is
 * refused without {@code allowRemote}, and without a bearer token (an API reachable from other
 * machines must not answer just anyone).
 */
public final class BindAddress {
    public static final String DEFAULT = "127.0.0.1";

    private BindAddress() {
    }

    /** {@link #check(String, boolean, boolean)} without a token. */
    public static InetAddress check(final String host, final boolean allowRemote) {
        return check(host, allowRemote, false);
    }

    /** The address to bind, or an {@link IllegalArgumentException} saying why not and what to do. */
    public static InetAddress check(final String host, final boolean allowRemote, final boolean token) {
        final InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot bind the query API to '" + host + "': unknown host");
        }
        if (!address.isLoopbackAddress() && !allowRemote) {
            throw new IllegalArgumentException("refusing to bind the query API to " + host + " (" + address.getHostAddress()
                    + "), which is not a loopback address. Bind it to 127.0.0.1, or allow remote access explicitly "
                    + "(isgd sampler --allow-remote-api) with a bearer token (--api-token-file or " + ApiAccess.TOKEN_ENV
                    + ") and, off a trusted network, TLS (--api-tls-keystore)");
        }
        if (!address.isLoopbackAddress() && !token) {
            throw new IllegalArgumentException("refusing to bind the query API to " + host + " (" + address.getHostAddress()
                    + ") without a bearer token: pass --api-token-file FILE or set " + ApiAccess.TOKEN_ENV
                    + " (at least " + ApiAccess.MIN_TOKEN_LENGTH + " characters, e.g. 'openssl rand -hex 32'); "
                    + "every instance of the application id needs the same token");
        }
        return address;
    }
}
