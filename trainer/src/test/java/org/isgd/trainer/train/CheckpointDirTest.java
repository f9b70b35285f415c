package org.isgd.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.isgd.trainer.TestData;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirTest {
    private static final FashionMnist.Split SLICE = FashionMnist.load(TestData.sliceDir());
    private static final TrainerOptions TINY = TrainerOptions.builder()
            .model(Models.TINY).seed(3).augment("none").evalEvery(1000).build();

    @TempDir
    Path dir;

    @Test
    void aRestoredCheckpointPredictsExactlyAsTheSavedModel() {
        final CheckpointDir checkpoints = new CheckpointDir(dir);
        final int[] saved;
        final float[] savedParameters;
        try (ModelSession session = ModelSession.open(TINY, SLICE.train())) {
            trainSome(session, 5);
            checkpoints.save(session, new Checkpoint(5, 4, Models.TINY));
            saved = session.predict(SLICE.test(), 100);
            savedParameters = session.parameterSnapshot();
        }
        // another seed: the restored parameters must replace the fresh ones entirely
        final TrainerOptions other = TrainerOptions.builder().model(Models.TINY).seed(99).augment("none").build();
        try (ModelSession fresh = ModelSession.open(other, SLICE.train())) {
            assertFalse(Arrays.equals(savedParameters, fresh.parameterSnapshot()));
        }
        final CheckpointDir.Restored restored = checkpoints.restore(other, SLICE.train()).orElseThrow();
        try (ModelSession session = restored.session()) {
            assertEquals(new Checkpoint(5, 4, Models.TINY), restored.checkpoint());
            assertArrayEquals(savedParameters, session.parameterSnapshot(), 0f);
            assertArrayEquals(saved, session.predict(SLICE.test(), 100));
            // and training goes on from them
            trainSome(session, 1);
            assertFalse(Arrays.equals(savedParameters, session.parameterSnapshot()), "restored parameters must train");
        }
    }

    @Test
    void aHalfWrittenCheckpointIsIgnored() throws IOException {
        final CheckpointDir checkpoints = new CheckpointDir(dir);
        final float[] complete;
        try (ModelSession session = ModelSession.open(TINY, SLICE.train())) {
            trainSome(session, 2);
            checkpoints.save(session, new Checkpoint(2, 1, Models.TINY));
            complete = session.parameterSnapshot();
        }
        // killed while writing the next one: its files exist only under their temporary names
        Files.write(dir.resolve("model-4.params.tmp"), new byte[] {1, 2, 3});
        Files.writeString(dir.resolve(CheckpointDir.PROPERTIES + ".tmp"), "step=4\nlastBatchSeq=3\nmod");
        final CheckpointDir.Restored restored = checkpoints.restore(TINY, SLICE.train()).orElseThrow();
        try (ModelSession session = restored.session()) {
            assertEquals(new Checkpoint(2, 1, Models.TINY), restored.checkpoint());
            assertArrayEquals(complete, session.parameterSnapshot(), 0f);
            checkpoints.save(session, new Checkpoint(6, 5, Models.TINY));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("checkpoint.properties", "model-6.params"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "old and temporary files are removed");
        }
    }

    @Test
    void anEmptyDirectoryHasNoCheckpoint() throws IOException {
        Files.write(dir.resolve("model-4.params.tmp"), new byte[] {1, 2, 3});
        assertEquals(Optional.empty(), new CheckpointDir(dir).latest());
        assertEquals(Optional.empty(), new CheckpointDir(dir.resolve("missing")).latest());
    }

    @Test
    void aCheckpointOfAnotherModelIsRefused() {
        final CheckpointDir checkpoints = new CheckpointDir(dir);
        try (ModelSession session = ModelSession.open(TINY, SLICE.train())) {
            checkpoints.save(session, new Checkpoint(1, 0, Models.TINY));
        }
        final TrainerOptions cnn = TrainerOptions.builder().model(Models.CNN).build();
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> checkpoints.restore(cnn, SLICE.train()));
        assertTrue(e.getMessage().contains("--fresh"), e.getMessage());
    }

    @Test
    void theLoopCheckpointsPeriodicallyAndAResumedLoopCountsTheRunsTotal() {
        final TrainerOptions options = TrainerOptions.builder().model(Models.TINY).seed(3).augment("none")
                .evalEvery(1000).maxBatches(10).checkpointEvery(4).checkpointDir(dir).build();
        final List<Long> steps = new ArrayList<>();
        final TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(final long step, final TrainingBatch batch, final float trainLoss) {
                steps.add(step);
            }
        };
        try (LocalUniformSource source = new LocalUniformSource("t", SLICE.train().size(), 32, 3, 6)) {
            assertEquals(6, new TrainingLoop(options, SLICE.train(), SLICE.test()).run(source, PredictionSink.NONE,
                    listener).steps());
        }
        assertEquals(Optional.of(new Checkpoint(6, 5, Models.TINY)), new CheckpointDir(dir).latest(),
                "the end of a run is checkpointed too");
        steps.clear();
        // a source that knows it resumes after 7 of the run's batches: 3 more make the run's 10
        try (LocalUniformSource local = new LocalUniformSource("t", SLICE.train().size(), 32, 3, 100);
             BatchSource source = new ResumedSource(local, 7)) {
            final TrainingResult result = new TrainingLoop(options, SLICE.train(), SLICE.test())
                    .run(source, PredictionSink.NONE, listener);
            assertEquals(3, result.steps());
            assertEquals(10, result.finalEvaluation().step());
        }
        assertEquals(List.of(8L, 9L, 10L), steps);
        assertEquals(10, new CheckpointDir(dir).latest().orElseThrow().step());
    }

    private static void trainSome(final ModelSession session, final int batches) {
        try (LocalUniformSource source = new LocalUniformSource("t", SLICE.train().size(), 32, 5, batches)) {
            for (int i = 0; i < batches; i++) {
                session.train(source.next(java.time.Duration.ofSeconds(1)).orElseThrow());
            }
        }
    }

    /** A source positioned after {@code before} of the run's batches, as a resumed Kafka source is. */
    private record ResumedSource(BatchSource delegate, long before) implements BatchSource {
        @Override
        public Optional<TrainingBatch> next(final java.time.Duration timeout) {
            return delegate.next(timeout);
        }

        @Override
        public OptionalLong batchesBefore() {
            return OptionalLong.of(before);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
