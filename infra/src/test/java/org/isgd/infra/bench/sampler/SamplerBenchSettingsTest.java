package org.isgd.infra.bench.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerBenchSettingsTest {
    private static SamplerBenchSettings settings(final List<String> samplerJvm, final List<String> brokerJvm) {
        return new SamplerBenchSettings(List.of(1000), List.of(1), SamplerBenchSettings.Layout.PER_INSTANCE,
                "upper-bound", 128, 4096, Duration.ofSeconds(1), Duration.ofSeconds(2), 5000, samplerJvm, brokerJvm,
                List.of(), 0, false, false, Path.of("work"), Path.of("out"), false, 1, List.of());
    }

    @Test
    void theDefaultsComeFirstSoThatTheUsersOptionsWin() {
        final SamplerBenchSettings settings = settings(List.of("-Xmx1100m", "-XX:G1HeapRegionSize=8m"),
                List.of("-Xmx1g"));
        final List<String> sampler = settings.samplerJvm();
        assertEquals(List.of("-XX:G1HeapRegionSize=4m", "-Xmx1100m", "-XX:G1HeapRegionSize=8m",
                "-XX:+ExitOnOutOfMemoryError"), sampler, "HotSpot takes the last of two same options");
        assertEquals(List.of("-XX:G1HeapRegionSize=4m", "-Xmx1g"), settings.brokerJvm());
    }

    @Test
    void theLauncherGivesEveryJvmTheSameDefaults() throws Exception {
        final String launcher = java.nio.file.Files.readString(Path.of("isgd"));
        for (final String option : SamplerBenchSettings.DEFAULT_JVM_OPTIONS) {
            assertTrue(launcher.contains("exec java " + option + " ${JAVA_OPTS:-}"),
                    "infra/isgd starts java with " + option + " before JAVA_OPTS");
        }
    }
}
