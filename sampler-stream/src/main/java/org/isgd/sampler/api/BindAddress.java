package org.isgd.sampler.api;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where the query API listens. It has no authentication, so it binds to loopback unless the
 * operator says otherwise: any other address is refused without {@code allowRemote}.
 */
public final class BindAddress {
    public static final String DEFAULT = "127.0.0.1";

    private BindAddress() {
    }

    /** The address to bind, or an {@link IllegalArgumentException} saying why not and what to do. */
    public static InetAddress check(final String host, final boolean allowRemote) {
        final InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot bind the query API to '" + host + "': unknown host");
        }
        if (!address.isLoopbackAddress() && !allowRemote) {
            throw new IllegalArgumentException("refusing to bind the query API to " + host + " (" + address.getHostAddress()
                    + "), which is not a loopback address: the API has no authentication. Bind it to 127.0.0.1, or "
                    + "allow remote access explicitly (isgd sampler --allow-remote-api) behind a firewall or proxy");
        }
        return address;
    }
}
