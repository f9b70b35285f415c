package org.isgd.infra.cli;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.feed.KafkaPredictionPublisher;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;

/** Creates a run and trains rank 0 of it on batches from isgd.batches: the demo's and the benchmarks' loop. */
final class KafkaTraining {
    private KafkaTraining() {
    }

    /**
     * @param onSource told the batch source before training starts, so Ctrl-C can stop it
     */
    static TrainingRun.Outcome createAndTrain(final KafkaOptions kafka, final RunSpec spec, final FashionMnist.Split data,
                                              final TrainerOptions options, final long batches,
                                              final Consumer<KafkaBatchSource> onSource)
            throws InterruptedException, ExecutionException {
        return createAndRun(kafka, spec, (source, sink) -> {
            onSource.accept(source);
            return TrainingRun.run(options, data, source, sink, batches);
        });
    }

    /** Publishes the run, then hands rank 0's batch source and prediction sink to {@code training}. */
    static <R> R createAndRun(final KafkaOptions kafka, final RunSpec spec,
                              final BiFunction<KafkaBatchSource, PredictionSink, R> training)
            throws InterruptedException, ExecutionException {
        RunCommand.publish(kafka, spec);
        final Map<String, Object> extra = kafka.clientPropertiesWithoutBootstrap();
        try (KafkaBatchSource source = new KafkaBatchSource(kafka.bootstrapServers(), extra, spec.getRunId(), 0, 1, 0);
             PredictionSink sink = new KafkaPredictionPublisher(kafka.bootstrapServers(), extra, "trainer-" + spec.getRunId())) {
            return training.apply(source, sink);
        }
    }
}
