package org.isgd.infra.common;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** The local-time stamp in generated run ids and result file names, e.g. 20261122-093000. */
public final class Stamp {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private Stamp() {
    }

    public static String now() {
        return LocalDateTime.now().format(FORMAT);
    }
}
