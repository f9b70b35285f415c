package org.isgd.trainer.model;

import ai.djl.engine.Engine;

/**
 * The DJL engine, obtained only after DJL has been told to stay offline: unless told, DJL probes
 * EC2 metadata and a telemetry address when it loads, and the network here reaches loopback only.
 */
public final class OfflineEngine {
    private OfflineEngine() {
    }

    /** Sets DJL's offline switches (unless the user set them) and returns the default engine. */
    public static Engine get() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        return Engine.getInstance();
    }
}
