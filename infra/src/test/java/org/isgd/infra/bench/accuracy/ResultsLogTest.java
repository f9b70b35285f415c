package org.isgd.infra.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsLogTest {
    @TempDir
    Path dir;

    @Test
    void appendedResultsReadBackWithEveryEvaluationPoint() {
        final ResultsLog log = ResultsLog.in(dir);
        assertEquals(List.of(), log.read());
        GridFixtures.grid().forEach(log::append);
        final List<CellResult> read = log.read();
        assertEquals(5, read.size());
        final CellResult first = read.get(0);
        assertEquals(GridFixtures.grid().get(0).cell(), first.cell());
        assertEquals(3, first.evaluations().size());
        assertArrayEquals(new double[] {0.5, 0.3, 0.2}, first.evaluations().get(2).classShares());
        assertArrayEquals(new long[] {50, 20, 5, 1, 0}, first.histograms().get(0).counts());
        assertArrayEquals(new long[] {0, 3}, first.extremes().get(0).hardest());
    }

    @Test
    void doneCellsAreTheOnesARestartSkips() throws Exception {
        final ResultsLog log = ResultsLog.in(dir);
        log.append(GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 0.3, 0, 0.7));
        log.append(GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 0.5, 0, 0.7));
        // a kill mid-write leaves half a line: ignored, that cell runs again
        Files.writeString(log.file(), "{\"arm\":\"upper-bound\",\"data\":\"bal", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        final Set<String> done = log.doneKeys();
        assertEquals(Set.of(new GridCell("uniform", "balanced", 0.3, 0).key(),
                new GridCell("uniform", "balanced", 0.5, 0).key()), done);
        assertTrue(!done.contains(new GridCell("uniform", "balanced", 0.3, 1).key()));
    }

    @Test
    void aBrokenLineBeforeTheLastIsAnErrorNamingIt() throws Exception {
        Files.writeString(dir.resolve(ResultsLog.FILE), "not json\n", StandardCharsets.UTF_8);
        final ResultsLog log = ResultsLog.in(dir);
        log.append(GridFixtures.run("uniform", GridArm.KAFKA, "balanced", 0.3, 0, 0.7));
        final IllegalStateException e = assertThrows(IllegalStateException.class, log::read);
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void theRunDirectoryIsTheSameForTheSameSettings() {
        final GridSettings a = new GridSettings(3, 128, "cnn", 1e-3, "standard", "standard", 0, 0, 0.333, 4,
                java.util.Map.of("early-importance.smoothing", 1.0));
        final GridSettings b = new GridSettings(3, 128, "cnn", 1e-3, "standard", "standard", 0, 0, 0.333, 4,
                java.util.Map.of("early-importance.smoothing", 1.0));
        final GridSettings c = new GridSettings(3, 128, "cnn", 1e-3, "standard", "standard", 1, 0, 0.333, 4,
                java.util.Map.of());
        assertEquals(a.directoryName(), b.directoryName());
        assertTrue(a.directoryName().startsWith("accuracy-e3-b128-"));
        assertTrue(!a.directoryName().equals(c.directoryName()));
    }

    @Test
    void theDefaultDataShapeKeepsTheNamesOfDirectoriesMadeBeforeShapesExisted() {
        final java.nio.file.Path committed = java.nio.file.Path.of("..", "docs", "results", "accuracy-e3-b128-17226850");
        final GridSettings settings = GridSettings.read(committed).settings();
        assertEquals(null, settings.data());
        assertEquals(committed.getFileName().toString(), settings.directoryName(), "the committed grid resumes");
        final GridSettings explicitDefault = new GridSettings(settings.epochs(), settings.batchSize(), settings.model(),
                settings.learningRate(), settings.augment(), settings.strongAugment(), settings.dataSeed(),
                settings.limit(), settings.warmupFraction(), settings.evalsPerEpoch(), settings.params(),
                org.isgd.trainer.data.DataVariant.Shape.DEFAULT);
        assertEquals(settings.directoryName(), explicitDefault.directoryName());
        final GridSettings step = new GridSettings(settings.epochs(), settings.batchSize(), settings.model(),
                settings.learningRate(), settings.augment(), settings.strongAugment(), settings.dataSeed(),
                settings.limit(), settings.warmupFraction(), settings.evalsPerEpoch(), settings.params(),
                new org.isgd.trainer.data.DataVariant.Shape(10, org.isgd.trainer.data.DataVariant.Profile.STEP, 0.2,
                        org.isgd.trainer.data.DataVariant.NoiseKind.SYMMETRIC));
        assertTrue(!step.directoryName().equals(settings.directoryName()), "another shape, another directory");
        assertEquals(step.shape().imbalanceRatio(), 10.0);
    }
}
