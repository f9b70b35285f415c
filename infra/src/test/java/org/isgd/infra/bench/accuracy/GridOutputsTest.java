package org.isgd.infra.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.isgd.infra.common.Json;
import org.isgd.sampler.store.SampleState;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.LabelledImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GridOutputsTest {
    @TempDir
    Path dir;

    @Test
    void theNoiseGuardSectionGivesPrecisionAndRecallPerArm() throws Exception {
        final CellResult plain = GridFixtures.run("selective-backprop", GridArm.KAFKA, "label-noise", 1.0, 0, 0.7, 0.8);
        final CellResult seed0 = withGuard(plain, new CellResult.NoiseGuard(100, 80, 400));
        final CellResult seed1 = withGuard(GridFixtures.run("selective-backprop", GridArm.KAFKA, "label-noise", 1.0, 1,
                0.7, 0.8), new CellResult.NoiseGuard(60, 40, 400));
        final String md = GridOutputs.noiseGuard(List.of(seed0, seed1, withGuard(GridFixtures.run("uniform",
                GridArm.KAFKA, "label-noise", 1.0, 0, 0.7, 0.8), new CellResult.NoiseGuard(0, 0, 400))));
        // flagged 80 on average, 60 of them flipped: precision 0.75, recall 60/400
        assertTrue(md.contains("| label-noise | 100% | selective-backprop | 2 | 80 | 0.750 | 0.150 |"), md);
        assertTrue(!md.contains("| uniform |"), "uniform has no guard, so no row:\n" + md);
        assertEquals("", GridOutputs.noiseGuard(List.of(plain)));
        // the figures survive results.jsonl
        final CellResult back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(seed0), CellResult.class);
        assertEquals(seed0.noiseGuard(), back.noiseGuard());
        assertEquals(null, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(plain), CellResult.class).noiseGuard());
    }

    private static CellResult withGuard(final CellResult r, final CellResult.NoiseGuard guard) {
        return new CellResult(r.arm(), r.policy(), r.feed(), r.augment(), r.data(), r.budget(), r.seed(), r.runId(),
                r.params(), r.trainSize(), r.batches(), r.images(), r.fullBatches(), r.trainSeconds(), r.wallSeconds(),
                r.finishedAt(), r.evaluations(), r.phases(), r.histograms(), r.extremes(), guard);
    }

    @Test
    void evaluationsAreWrittenAsCsvAndJsonOneRowPerPoint() throws Exception {
        EvaluationExport.write(dir, GridFixtures.grid());
        final List<String> csv = Files.readAllLines(dir.resolve(EvaluationExport.CSV));
        assertEquals(1 + 5 * 3, csv.size());
        assertTrue(csv.get(0).startsWith("arm,policy,feed,augment,data,budget,seed,runId,step,trainSeconds,testAccuracy,"),
                csv.get(0));
        assertTrue(csv.get(0).endsWith("accuracyClass0,accuracyClass1,accuracyClass2,shareClass0,shareClass1,shareClass2"));
        assertEquals(csv.get(0).split(",").length, csv.get(1).split(",").length);
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("uniform (local),uniform,local,")), csv.toString());
        final JsonNode json = Json.MAPPER.readTree(dir.resolve(EvaluationExport.JSON).toFile());
        assertEquals(15, json.size());
        assertEquals(0.85, json.get(8).get("testAccuracy").asDouble(), 1e-12);
        assertEquals(3, json.get(0).get("classShares").size());
    }

    @Test
    void csvQuotesTextThatNeedsIt() {
        assertEquals("\"a,b\"", EvaluationExport.cell("a,b"));
        assertEquals("uniform+aug (local)", EvaluationExport.cell("uniform+aug (local)"));
        assertEquals("0.812300", EvaluationExport.cell(0.8123));
    }

    @Test
    void summaryAndPlotsAreWrittenAndNotEmpty() throws Exception {
        final String tables = GridOutputs.write(dir, GridFixtures.grid(), GridFixtures.CLASSES, "test machine");
        assertTrue(tables.contains("long-tail, budget 30%"));
        final String summary = Files.readString(dir.resolve(GridOutputs.SUMMARY));
        assertTrue(summary.contains("machine: test machine"), summary);
        assertTrue(summary.contains("runs: 5 finished, the first at 2026-01-01T10:00:00, the last at 2026-01-02T10:00:00"),
                summary);
        assertTrue(summary.contains("total time: 45 s of training runs"), summary);
        assertTrue(summary.contains("## Headline") && summary.contains("### Balanced accuracy against uniform (local)"),
                summary);
        final List<Path> plots = GridPlots.list(dir);
        assertEquals(List.of("accuracy-long-tail-b30.png", "class-share-long-tail-b30.png", "importance-long-tail-b30.png"),
                plots.stream().map(p -> p.getFileName().toString()).toList());
        for (final Path plot : plots) {
            final BufferedImage image = ImageIO.read(plot.toFile());
            assertTrue(image.getWidth() >= 600 && image.getHeight() >= 400, plot + " " + image.getWidth());
            assertTrue(distinctColours(image) > 5, plot + " is blank");
        }
    }

    @Test
    void imageGridDrawsEachClassRowWithFlippedLabelsFramed() throws Exception {
        final float[] pixels = new float[8 * 4 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 7) / 7f;
        }
        final LabelledImages train = new LabelledImages(pixels, new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 4, 4, 3);
        final DataVariant.Variant variant = new DataVariant.Variant(DataVariant.LABEL_NOISE, train,
                new int[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[] {0, 1, 2, 1, 1, 2, 0, 1});
        final Path file = ImageGrid.write(dir.resolve("grid.png"), "test", variant,
                GridFixtures.grid().get(0).extremes(), GridFixtures.CLASSES);
        final BufferedImage image = ImageIO.read(file.toFile());
        assertTrue(image.getWidth() > 100 && image.getHeight() > 50);
        assertTrue(distinctColours(image) > 5);
        boolean red = false;
        for (int x = 0; x < image.getWidth() && !red; x++) {
            for (int y = 0; y < image.getHeight() && !red; y++) {
                red = (image.getRGB(x, y) & 0xffffff) == 0xff0000;
            }
        }
        assertTrue(red, "sample 3 was flipped (label 0, true 1): framed in red");
    }

    @Test
    void extremesArePerTrainingLabelHardestFirst() {
        final Map<Long, SampleState> states = new java.util.TreeMap<>();
        for (long id = 0; id < 30; id++) {
            states.put(id, new SampleState((int) (id % 3), 0.5f, id, 0.1f, 0, 1, 1, 1, 1));
        }
        final List<CellResult.ClassExtremes> extremes = RunRecorder.extremes(states, 3, 2);
        assertEquals(3, extremes.size());
        assertEquals(List.of(27L, 24L), java.util.Arrays.stream(extremes.get(0).hardest()).boxed().toList());
        assertEquals(List.of(0L, 3L), java.util.Arrays.stream(extremes.get(0).easiest()).boxed().toList());
        assertEquals(29f, extremes.get(2).hardestLoss()[0]);
    }

    @Test
    void histogramsCountIntoEqualBinsClampingTheEnds() {
        final CellResult.ImportanceHistogram h = RunRecorder.histogram(5, "q", 0, 1, new double[] {0, 0.04, 0.5, 1, 1.2, -1});
        assertEquals(6, h.trained());
        assertEquals(3, h.counts()[0]);
        assertEquals(1, h.counts()[RunRecorder.HISTOGRAM_BINS / 2]);
        assertEquals(2, h.counts()[RunRecorder.HISTOGRAM_BINS - 1]);
    }

    @Test
    void durationEstimateUsesMeasuredThroughputOnceThereIsSome() {
        final DurationEstimate assumed = DurationEstimate.of(List.of(25_000L, 25_000L), 1, List.of());
        assertEquals(50_000 / DurationEstimate.DEFAULT_IMAGES_PER_SECOND + 2 * DurationEstimate.SECONDS_PER_CELL
                + DurationEstimate.SECONDS_PER_STACK, assumed.seconds(), 1e-9);
        final DurationEstimate measured = DurationEstimate.of(List.of(1_000L), 0, GridFixtures.grid());
        // fixtures: 5 cells of 3 evaluations, each 3,840 images in 9 s of wall time
        assertEquals(5 * 3840.0 / 45, measured.imagesPerSecond(), 1e-9);
        assertEquals("1 h 01 min", DurationEstimate.format(3660));
        assertEquals("2 min 05 s", DurationEstimate.format(125));
    }

    private static int distinctColours(final BufferedImage image) {
        final java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 3) {
            for (int y = 0; y < image.getHeight(); y += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
