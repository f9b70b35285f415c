package org.isgd.infra.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isgd.infra.bench.accuracy.CellResult;
import org.isgd.infra.bench.accuracy.GridFixtures;
import org.isgd.infra.bench.accuracy.GridOutputs;
import org.isgd.infra.bench.accuracy.GridSettings;
import org.isgd.infra.bench.accuracy.ImageGrid;
import org.isgd.infra.bench.accuracy.ResultsLog;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.LabelledImages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a small synthetic grid, rendered by headless Chromium: every image on the page
 * loads. Skipped where Debian's {@code chromium} is not installed.
 */
class ReportRenderTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern IMAGE_STATE = Pattern.compile("data-natural-width=\"(\\d+)\"[^>]*data-src=\"([^\"]*)\"");

    @TempDir
    Path dir;

    @Test
    void reportOfASyntheticGridLoadsEveryImageInChromium() throws Exception {
        final List<CellResult> results = GridFixtures.grid();
        results.forEach(ResultsLog.in(dir)::append);
        GridSettings.recordInvocation(dir, new GridSettings(1, 128, "cnn", 1e-3, "standard", "standard", 0, 0, 0.333, 4,
                java.util.Map.of()), "test machine", "isgd bench accuracy --data long-tail", "2026-01-01T09:00:00");
        GridOutputs.write(dir, results, GridFixtures.CLASSES, "test machine");
        final float[] pixels = new float[8 * 16];
        final DataVariant.Variant variant = new DataVariant.Variant(DataVariant.LONG_TAIL,
                new LabelledImages(pixels, new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 4, 4, 3), new int[8], new int[8]);
        ImageGrid.write(dir.resolve("plots/extremes-long-tail-early-importance-b30-s0.png"), "test", variant,
                results.get(2).extremes(), GridFixtures.CLASSES);

        final Path report = ReportPage.write(dir, "test machine");
        final String html = Files.readString(report);
        assertTrue(html.contains("isgd bench accuracy --data long-tail"), "the command is on the page");
        assertTrue(html.contains("test machine"));
        assertTrue(html.contains("<td>early-importance</td><td>kafka</td>"), "the summary table is on the page");
        final List<String> sources = new ArrayList<>();
        final Matcher img = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        while (img.find()) {
            sources.add(img.group(1));
        }
        assertEquals(List.of("plots/accuracy-long-tail-b30.png", "plots/class-share-long-tail-b30.png",
                "plots/importance-long-tail-b30.png", "plots/extremes-long-tail-early-importance-b30-s0.png"), sources);

        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "headless Chromium not found at " + CHROMIUM + ": install Debian's 'chromium' to render the report");
        // the same page, plus one image that cannot load (to prove the check notices) and a script that writes each
        // image's natural width into the DOM once the page has loaded
        final Path probe = dir.resolve("report-probe.html");
        Files.writeString(probe, html.replace("</body>", "<img src=\"plots/missing.png\" alt=\"missing\">\n<script>"
                + "window.addEventListener('load',function(){document.querySelectorAll('img').forEach(function(i){"
                + "var s=document.createElement('span');s.setAttribute('data-natural-width',String(i.naturalWidth));"
                + "s.setAttribute('data-src',i.getAttribute('src'));document.body.appendChild(s);});});</script></body>"),
                StandardCharsets.UTF_8);
        final String dom = dumpDom(probe);
        final List<String> loaded = new ArrayList<>();
        final List<String> broken = new ArrayList<>();
        final Matcher state = IMAGE_STATE.matcher(dom);
        while (state.find()) {
            (Integer.parseInt(state.group(1)) > 0 ? loaded : broken).add(state.group(2));
        }
        assertEquals(sources, loaded, dom.length() > 2000 ? dom.substring(dom.length() - 2000) : dom);
        assertEquals(List.of("plots/missing.png"), broken);
    }


    private String dumpDom(final Path page) throws Exception {
        final Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        final Path dumpDomOut = dir.resolve("dom.html");
        final Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--allow-file-access-from-files", "--virtual-time-budget=5000", "--user-data-dir=" + profile,
                "--dump-dom", page.toUri().toString())
                .redirectOutput(dumpDomOut.toFile()).redirectError(dir.resolve("chromium.log").toFile()).start();
        if (!chromium.waitFor(90, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new AssertionError("chromium did not finish within 90 s; its log: "
                    + Files.readString(dir.resolve("chromium.log")));
        }
        assertEquals(0, chromium.exitValue(), () -> "chromium failed: " + readQuietly(dir.resolve("chromium.log")));
        return Files.readString(dumpDomOut);
    }

    private static String readQuietly(final Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
