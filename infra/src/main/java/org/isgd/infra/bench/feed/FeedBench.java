package org.isgd.infra.bench.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import org.isgd.infra.common.Machine;
import org.isgd.infra.local.DataSetup;
import org.isgd.infra.local.KafkaTraining;
import org.isgd.infra.local.LocalStack;
import org.isgd.infra.local.SampleRegistration;
import org.isgd.infra.local.TrainingRun;
import org.isgd.schemas.RunSpec;
import org.isgd.trainer.data.FashionMnist;
import org.isgd.trainer.feed.LocalUniformSource;
import org.isgd.trainer.train.BatchSource;
import org.isgd.trainer.train.PredictionSink;
import org.isgd.trainer.train.TrainerOptions;
import org.isgd.trainer.train.TrainingResult;

/**
 * {@code isgd bench feed}: the trainer's images/s fed through Kafka by the sampler of a local stack
 * against the in-process loader's, same model, same process, one after the other after a warm-up
 * of local batches; written to feed-&lt;time&gt;.json. The Kafka-fed feed is timed on a second run of the same
 * stack: the first run ({@code kafkaWarmupBatches}) pays for compiling the broker's, the sampler's and the clients'
 * code, which a long-running service and a long training run pay once; its images/s is reported as the cold figure.
 *
 * @param batches            batches trained per feed
 * @param warmupBatches      local batches first, to warm up the JIT
 * @param kafkaWarmupBatches batches of a first Kafka-fed run on the same stack, untimed in the ratio (0: none)
 * @param options       the trainer options of a feed of N batches (no evaluation: training is timed)
 */
public record FeedBench(int batches, int warmupBatches, int kafkaWarmupBatches, int batchSize, String model,
                        String policy, int lead, LongFunction<TrainerOptions> options) {

    /** Runs both feeds, prints what they gave and writes it to {@code out/feed-<stamp>.json}; returns that file. */
    public Path run(final Path out, final String stamp) throws Exception {
        final FashionMnist.Split data = FashionMnist.load(DataSetup.ensureFashionMnist(false), Integer.MAX_VALUE,
                Integer.MAX_VALUE);
        final int n = data.train().size();
        final Path dir = Files.createDirectories(out);
        System.out.printf("bench feed: %d batches of %d per feed, model %s, policy %s, lead %d%n", batches, batchSize,
                model, policy, lead);
        local(data, n, warmupBatches);
        // the in-process loader is timed before and after the Kafka-fed feed: the machine's drift between the two
        // (±10 % on a shared VM) shows, and the ratio is taken against their mean
        final TrainingResult before = local(data, n, batches);
        final TrainingResult cold;
        final TrainingResult kafka;
        try (LocalStack stack = LocalStack.start(dir.resolve("feed-work"))) {
            SampleRegistration.register(stack.client(), SampleRegistration.FASHION_MNIST, data.train().labels());
            cold = kafkaWarmupBatches > 0 ? kafka(stack, data, n, "feed-" + stamp + "-warmup", kafkaWarmupBatches)
                    : null;
            kafka = kafka(stack, data, n, "feed-" + stamp, batches);
        }
        final TrainingResult local = local(data, n, batches);
        final double localMean = (before.imagesPerSecond() + local.imagesPerSecond()) / 2;
        final double ratio = kafka.imagesPerSecond() / localMean;
        if (cold != null) {
            System.out.printf(Locale.ROOT, "%nfed through Kafka, first run on the stack (%d batches, untimed in the "
                    + "ratio): %.0f images/s (first batch after %.1f s)", cold.steps(), cold.imagesPerSecond(),
                    cold.firstBatchSeconds());
        }
        System.out.printf(Locale.ROOT, "%nfed through Kafka: %.0f images/s (first batch after %.1f s)%n"
                + "in-process loader: %.0f images/s (%.0f before the Kafka-fed feed, %.0f after)%n"
                + "ratio (Kafka ÷ local): %.3f%n"
                + "per batch in the feed (source and sink: waiting, decoding, publishing, acknowledging): "
                + "Kafka %.0f µs wall, %.0f µs of the training thread's CPU; local %.0f µs wall, %.0f µs CPU%n"
                + "machine: %s%n", kafka.imagesPerSecond(), kafka.firstBatchSeconds(), localMean,
                before.imagesPerSecond(), local.imagesPerSecond(), ratio, perBatch(kafka.feedSeconds(), kafka),
                perBatch(kafka.feedCpuSeconds(), kafka), perBatch(local.feedSeconds(), local), perBatch(local.feedCpuSeconds(), local), Machine.describe());
        final Path json = dir.resolve("feed-" + stamp + ".json");
        write(json, cold, kafka, before, local, localMean, ratio);
        return json;
    }

    private TrainingResult kafka(final LocalStack stack, final FashionMnist.Split data, final int n,
                                 final String runId, final int count) throws Exception {
        final RunSpec spec = RunSpec.newBuilder().setRunId(runId).setDataset(SampleRegistration.FASHION_MNIST)
                .setPolicy(policy).setParams(Map.of()).setBatchSize(batchSize).setLead(lead)
                .setBudgetBatches((long) count).setMinPopulation((long) n).build();
        return KafkaTraining.createAndTrain(stack, spec, data, options.apply(count), count, source -> { }).result();
    }

    private void write(final Path json, final TrainingResult cold, final TrainingResult kafka,
                       final TrainingResult before, final TrainingResult local, final double localMean,
                       final double ratio) throws IOException {
        final Map<String, Object> record = new LinkedHashMap<>();
        record.put("command", "isgd bench feed");
        record.put("batches", batches);
        record.put("batchSize", batchSize);
        record.put("model", model);
        record.put("policy", policy);
        record.put("lead", lead);
        record.put("kafkaWarmupBatches", kafkaWarmupBatches);
        record.put("kafkaColdImagesPerSecond", cold == null ? null : cold.imagesPerSecond());
        record.put("kafkaImagesPerSecond", kafka.imagesPerSecond());
        record.put("localImagesPerSecond", localMean);
        record.put("localBeforeImagesPerSecond", before.imagesPerSecond());
        record.put("localAfterImagesPerSecond", local.imagesPerSecond());
        record.put("ratio", ratio);
        record.put("kafkaFirstBatchSeconds", kafka.firstBatchSeconds());
        record.put("kafkaFeedMicrosPerBatch", perBatch(kafka.feedSeconds(), kafka));
        record.put("kafkaFeedCpuMicrosPerBatch", perBatch(kafka.feedCpuSeconds(), kafka));
        record.put("localFeedMicrosPerBatch", perBatch(local.feedSeconds(), local));
        record.put("localFeedCpuMicrosPerBatch", perBatch(local.feedCpuSeconds(), local));
        record.put("machine", Machine.describe());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), record);
    }

    private static double perBatch(final double seconds, final TrainingResult result) {
        return result.steps() > 1 ? seconds * 1e6 / (result.steps() - 1) : Double.NaN;
    }

    private TrainingResult local(final FashionMnist.Split data, final int n, final int count) {
        try (BatchSource source = new LocalUniformSource("local", n, batchSize, 0, count)) {
            return TrainingRun.run(options.apply(count), data, source, PredictionSink.NONE, count).result();
        }
    }
}
