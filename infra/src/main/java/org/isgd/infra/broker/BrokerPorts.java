package org.isgd.infra.broker;

import static org.isgd.infra.broker.BrokerConfig.LOOPBACK;
import static org.isgd.infra.broker.BrokerStartException.oneLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The broker's ports on 127.0.0.1: a requested one checked to be free, free ones picked, a lost race told apart. */
final class BrokerPorts {
    private BrokerPorts() {
    }

    /** Probes that {@code port} is free on 127.0.0.1, else throws a clear error. */
    static int checkPortFree(int port, String what) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return port;
        } catch (IOException e) {
            throw new BrokerStartException("Port " + port + " on " + LOOPBACK + " is already in use (" + oneLine(e)
                    + "): stop whatever uses it (another broker?) or choose another " + what + " port (0 = any free port).", e);
        }
    }

    static int freePort(int... avoid) {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
                int p = s.getLocalPort();
                boolean clash = false;
                for (int a : avoid) {
                    clash |= a == p;
                }
                if (!clash) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot find a free port on " + LOOPBACK, e);
            }
        }
        throw new BrokerStartException("Cannot find a free port on " + LOOPBACK + ": free some ports and retry.");
    }

    static Integer bindFailurePort(Throwable e, int clientPort, int ctrlPort) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.net.BindException || m.contains("failed to bind") || m.contains("Address already in use")) {
                return m.contains(":" + ctrlPort) ? ctrlPort : clientPort;
            }
        }
        return null;
    }

    /** Kafka could not bind a port we picked ourselves; retried when the caller asked for any port. */
    static final class PortRaceException extends RuntimeException {
        final int port;

        PortRaceException(int port, Throwable cause) {
            super("port " + port + " in use", cause);
            this.port = port;
        }
    }
}
