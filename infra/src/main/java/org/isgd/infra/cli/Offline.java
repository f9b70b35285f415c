package org.isgd.infra.cli;

/** DJL calls home (EC2 metadata, telemetry) unless told not to: every entry point calls this first. */
final class Offline {
    private Offline() {
    }

    static void enforce() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }
}
