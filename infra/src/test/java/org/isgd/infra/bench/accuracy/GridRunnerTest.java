package org.isgd.infra.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isgd.trainer.data.DataVariant;
import org.isgd.trainer.data.LabelledImages;
import org.isgd.trainer.model.Models;
import org.isgd.trainer.train.TrainerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grid's plan and runner on a few hundred synthetic images and the tiny model: local arms only, no broker. */
class GridRunnerTest {
    private static final String[] CLASSES = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"};
    private static final CellTrainer.Options TINY = (maxBatches, seed, augment, evalEvery) -> TrainerOptions.builder()
            .model(Models.TINY).seed(seed).augment(augment).evalEvery(evalEvery).maxBatches(maxBatches).build();
    /** 1 epoch of batches of 32, 2 evaluations an epoch. */
    private static final GridSettings SETTINGS = new GridSettings(1, 32, Models.TINY, 1e-3, "none", "standard", 0, 0,
            0.5, 2, Map.of("early-importance.tau", 0.9, "infobatch.prune", 0.3));
    private static final GridArm LOCAL = new GridArm(GridArm.UNIFORM_LOCAL, "uniform", GridArm.LOCAL, "none");
    private static final GridArm STRONG = new GridArm(GridArm.UNIFORM_STRONG_AUGMENT, "uniform", GridArm.LOCAL,
            "standard");

    @TempDir
    Path dir;

    /** {@code n} 28 × 28 images, label i mod 10, each class a brighter row band plus noise. */
    private static LabelledImages images(final int n, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] pixels = new float[n * 28 * 28];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            for (int p = 0; p < 28 * 28; p++) {
                final boolean band = p / 28 / 3 == labels[i];
                pixels[i * 28 * 28 + p] = (float) ((band ? 0.8 : 0.1) + 0.1 * random.nextDouble());
            }
        }
        return new LabelledImages(pixels, labels, 28, 28, 10);
    }

    private static Map<DataVariant, DataVariant.Variant> balanced(final int n) {
        final Map<DataVariant, DataVariant.Variant> data = new LinkedHashMap<>();
        data.put(DataVariant.BALANCED, DataVariant.BALANCED.apply(images(n, 1), 0));
        return data;
    }

    private CellTrainer trainer() {
        return new CellTrainer(SETTINGS, TINY, images(100, 2), "test");
    }

    @Test
    void thePlanHoldsEveryCellWithoutAResultInTrainingOrder() {
        final GridPlan all = GridPlan.of(SETTINGS, List.of(LOCAL, STRONG), balanced(256), List.of(0.5, 1.0),
                List.of(0L, 1L), List.of());
        assertEquals(8, all.total());
        assertEquals(8, all.todo().size());
        assertEquals(List.of("uniform (local)|balanced|0.500|0", "uniform+aug (local)|balanced|0.500|0",
                "uniform (local)|balanced|1.000|0", "uniform+aug (local)|balanced|1.000|0"),
                all.todo().subList(0, 4).stream().map(c -> c.cell().key()).toList());
        assertEquals(8, all.todo().get(0).fullBatches()); // 256 samples in batches of 32, one epoch
        assertEquals(4, all.todo().get(0).batches());
        assertEquals(2 * (4 + 4 + 8 + 8), all.batches());

        final CellResult done = GridFixtures.run(GridArm.UNIFORM_LOCAL, GridArm.LOCAL, "balanced", 0.5, 1, 0.5);
        final GridPlan rest = GridPlan.of(SETTINGS, List.of(LOCAL, STRONG), balanced(256), List.of(0.5, 1.0),
                List.of(0L, 1L), List.of(done));
        assertEquals(8, rest.total());
        assertEquals(7, rest.todo().size());
        assertFalse(rest.todo().stream().anyMatch(c -> c.cell().key().equals(done.cell().key())));
    }

    @Test
    void eachCellGetsItsOwnSeedAugmentationLengthAndEvaluationInterval() {
        final GridPlan plan = GridPlan.of(SETTINGS, List.of(LOCAL, STRONG), balanced(256), List.of(0.5), List.of(7L),
                List.of());
        final TrainerOptions local = trainer().options(plan.todo().get(0));
        final TrainerOptions strong = trainer().options(plan.todo().get(1));
        assertEquals(7, local.seed());
        assertEquals("NONE", local.augment().name());
        assertEquals("STANDARD", strong.augment().name());
        assertEquals(4, local.maxBatches());
        assertEquals(4, local.evalEvery()); // 8 batches an epoch, 2 evaluations an epoch
    }

    @Test
    void earlyImportanceWarmsUpForItsShareOfTheBudgetUnlessAParamSaysOtherwise() {
        final CellTrainer trainer = trainer();
        assertEquals(Map.of("tau", 0.9, "warmupEpochs", 0.5 * 4 * 32 / 256), trainer.params("early-importance", 4, 256));
        assertEquals(Map.of("prune", 0.3), trainer.params("infobatch", 4, 256));
        assertEquals(Map.of(), trainer.params("uniform", 4, 256));
        final CellTrainer given = new CellTrainer(new GridSettings(1, 32, Models.TINY, 1e-3, "none", "standard", 0, 0,
                0.5, 2, Map.of("early-importance.warmupEpochs", 2.0)), TINY, images(10, 2), "test");
        assertEquals(Map.of("warmupEpochs", 2.0), given.params("early-importance", 4, 256));
    }

    @Test
    void theRunnerTrainsEachCellOnceAndARerunResumes() throws Exception {
        final GridPlan plan = GridPlan.of(SETTINGS, List.of(LOCAL), balanced(256), List.of(0.5, 1.0), List.of(0L),
                ResultsLog.in(dir).read());
        final String tables = new GridRunner(dir, plan, trainer(), CLASSES).run();
        final List<CellResult> results = ResultsLog.in(dir).read();
        assertEquals(List.of("uniform (local)|balanced|0.500|0", "uniform (local)|balanced|1.000|0"),
                results.stream().map(r -> r.cell().key()).toList());
        assertEquals(List.of(4L, 8L), results.stream().map(CellResult::batches).toList());
        assertEquals(List.of(1, 2), results.stream().map(r -> r.evaluations().size()).toList()); // every 4 steps and at the end
        assertTrue(results.get(0).runId().startsWith("grid-uniform-local-balanced-b50-s0-"), results.get(0).runId());
        assertTrue(tables.contains("uniform (local)"), tables);
        assertTrue(Files.exists(dir.resolve(GridOutputs.SUMMARY)));
        assertTrue(Files.exists(dir.resolve(EvaluationExport.CSV)));

        final GridPlan again = GridPlan.of(SETTINGS, List.of(LOCAL), balanced(256), List.of(0.5, 1.0), List.of(0L),
                ResultsLog.in(dir).read());
        assertEquals(List.of(), again.todo());
        new GridRunner(dir, again, trainer(), CLASSES).run();
        assertEquals(2, ResultsLog.in(dir).read().size());
    }
}
