package org.isgd.infra.local;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.isgd.infra.topics.RunCatalog;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.KafkaBatchSource;
import org.isgd.trainer.feed.KafkaPredictionPublisher;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;

/** Creates a run on a local stack and trains rank 0 of it on batches from isgd.batches: the demo's and the benchmarks' loop. */
public final class KafkaTraining {
    private KafkaTraining() {
    }

    /**
     * @param onSource told the batch source before training starts, so Ctrl-C can stop it
     */
    public static TrainingRun.Outcome createAndTrain(final LocalStack stack, final RunSpec spec,
                                                     final FashionMnist.Split data, final TrainerOptions options,
                                                     final long batches, final Consumer<KafkaBatchSource> onSource)
            throws InterruptedException, ExecutionException {
        return createAndRun(stack, spec, (source, sink) -> {
            onSource.accept(source);
            return TrainingRun.run(options, data, source, sink, batches, IrreducibleLoss.candidates(spec, 0,
                    stack.bootstrapServers(), Map.of(), data.train().size()));
        });
    }

    /** Publishes the run, then hands rank 0's batch source and prediction sink to {@code training}. */
    public static <R> R createAndRun(final LocalStack stack, final RunSpec spec,
                                     final BiFunction<KafkaBatchSource, PredictionSink, R> training)
            throws InterruptedException, ExecutionException {
        RunCatalog.publish(stack.client(), spec);
        final String bootstrap = stack.bootstrapServers();
        final Map<String, Object> extra = new LinkedHashMap<>(); // the local broker needs no client settings
        try (KafkaBatchSource source = new KafkaBatchSource(bootstrap, extra, spec.getRunId(), 0, 1, 0);
             PredictionSink sink = new KafkaPredictionPublisher(bootstrap, extra, "trainer-" + spec.getRunId())) {
            return training.apply(source, sink);
        }
    }
}
