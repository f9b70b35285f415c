package org.isgd.infra.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The soak's short version: nine SIGKILLs, three of each kind (sampler instance, trainer rank,
 * broker node of a three-node cluster), against a run of two ranks on two sampler instances.
 * Fails on any batch lost, duplicated or out of order, any acknowledgement missing or repeated,
 * any sampled sample whose visits differ from the committed predictions, and any kill after
 * which no batch came within two minutes.
 */
class SoakIT {
    @Test
    void nineKillsLoseNothing() throws Exception {
        final Path work = Path.of("target", "it-soak", UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        final Soak.Settings settings = new Soak.Settings(9, 3, 2, 2, 2000, 32, 4, 2000, Duration.ofSeconds(1),
                Duration.ofSeconds(3), 11L, work, Duration.ofMinutes(12), 200, 1);
        final Soak.Report report = new Soak(settings, line -> System.out.println("SoakIT: " + line)).run();
        System.out.println(org.isgd.infra.cli.SoakTable.of(report));
        assertEquals(9, report.kills().size(), "every kill happened");
        assertEquals(0, report.lost(), "batches lost");
        assertEquals(0, report.duplicated(), "batches duplicated");
        assertEquals(0, report.outOfOrder(), "batches out of order");
        assertEquals(0, report.acknowledgementsMissing(), "batches never acknowledged");
        assertEquals(0, report.acknowledgementsDuplicated(), "batches acknowledged twice");
        assertEquals(0, report.visitsMismatched(), "samples whose state differs from the replay: " + report.mismatches());
        assertEquals(0, report.stalls(), "kills followed by no batch within 2 minutes");
        assertEquals(settings.budgetBatches(), report.batchesTrained());
        assertTrue(report.samplesChecked() >= 100, "samples checked: " + report.samplesChecked());
        assertTrue(report.clean());
    }
}
