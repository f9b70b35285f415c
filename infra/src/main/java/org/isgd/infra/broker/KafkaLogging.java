package org.isgd.infra.broker;

import java.io.IOException;
import java.util.Properties;

/** Kafka's own logging, quieted: it logs a lot at INFO. */
public final class KafkaLogging {
    private KafkaLogging() {
    }

    /**
     * Sets slf4j-simple's log level for Kafka's loggers ({@code kafka.*}, {@code org.apache.kafka.*},
     * {@code state.change.logger}) to WARN, unless a level for them is already configured as a
     * system property or in {@code simplelogger.properties}. Only affects loggers created afterwards: call it first thing in
     * {@code main} to also quiet Kafka clients created before the broker.
     */
    public static void quiet() {
        // slf4j-simple reads system properties before simplelogger.properties: only fill in
        // levels that neither configures, so an explicit configuration always wins.
        Properties file = new Properties();
        try (var in = KafkaLogging.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
            if (in != null) {
                file.load(in);
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: treat as absent
        }
        for (String name : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null && file.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }
}
