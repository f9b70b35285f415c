package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.isgd.infra.common.Dirs;
import org.isgd.infra.local.StartupStep;
import org.isgd.infra.topics.TopicSetup;

/**
 * The processes of one cell of {@code isgd bench sampler}: a broker with the contract's topics and
 * the sampler instances, each in a JVM of its own with its log in the cell's diagnostics directory;
 * their CPU time, memory and flight recordings. Closing it stops the samplers (a recording sampler
 * writes its recording on the way out), then the broker.
 */
final class SamplerCluster implements AutoCloseable {
    private static final Pattern BROKER_UP = Pattern.compile("broker on (\\S+) \\(data in");
    private static final Pattern SAMPLER_UP = Pattern.compile("running against");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final SamplerBenchSettings settings;
    private final Path diag;
    private final ChildJvm broker;
    private final Map<String, Object> client;
    private final List<ChildJvm> samplers = new ArrayList<>();
    private final List<URI> apis = new ArrayList<>();
    private TopicSetup.Result topics;
    private String stamp;
    private Path work;

    private SamplerCluster(final SamplerBenchSettings settings, final Path diag, final ChildJvm broker,
                           final String bootstrap) {
        this.settings = settings;
        this.diag = diag;
        this.broker = broker;
        this.client = new LinkedHashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /**
     * Starts the broker, creates the topics, starts {@code instances} samplers of application
     * {@code isgd-bench-<stamp>} and waits until each says it runs.
     *
     * @param work broker logs and sampler state
     * @param diag logs, memory reports and flight recordings
     */
    static SamplerCluster start(final SamplerBenchSettings settings, final String stamp, final int instances,
                                final Path work, final Path diag) throws Exception {
        final ChildJvm broker = ChildJvm.start("broker", settings.brokerJvm(), List.of("broker", "--port", "0",
                "--data-dir", work.resolve("broker").toString()), diag.resolve("broker.log"));
        SamplerCluster cluster = null;
        try {
            final String bootstrap = StartupStep.run("broker", () -> broker.awaitLine(BROKER_UP, START_TIMEOUT).group(1));
            cluster = new SamplerCluster(settings, diag, broker, bootstrap);
            cluster.stamp = stamp;
            cluster.work = work;
            final Map<String, Object> client = cluster.client;
            cluster.topics = StartupStep.run("topics", () -> TopicSetup.ensureTopics(client));
            for (int i = 0; i < instances; i++) {
                final int port = freePort();
                cluster.apis.add(URI.create("http://127.0.0.1:" + port + "/metrics"));
                cluster.samplers.add(cluster.startSampler(i, port, ""));
            }
            for (final ChildJvm sampler : cluster.samplers) {
                StartupStep.run(sampler.name(), () -> sampler.awaitLine(SAMPLER_UP, START_TIMEOUT).group());
            }
            return cluster;
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            } else {
                broker.close();
            }
            throw e;
        }
    }

    /**
     * SIGKILLs sampler {@code index} and starts it again on the same API port, with its state directory as the kill left
     * it or, with {@code wipe}, deleted (so it restores from the changelogs); returns once it says it runs.
     */
    void restartSampler(final int index, final boolean wipe) throws Exception {
        samplers.get(index).kill();
        if (wipe) {
            Dirs.deleteTree(stateDir(index));
        }
        final ChildJvm restarted = startSampler(index, apis.get(index).getPort(), wipe ? "-restart-wiped" : "-restart");
        samplers.set(index, restarted);
        StartupStep.run(restarted.name(), () -> restarted.awaitLine(SAMPLER_UP, START_TIMEOUT).group());
    }

    private Path stateDir(final int index) {
        return work.resolve("sampler-" + index);
    }

    private ChildJvm startSampler(final int index, final int port, final String logSuffix) {
        final String bootstrap = (String) client.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        final List<String> args = new ArrayList<>(List.of("sampler", "--bootstrap-servers", bootstrap, "--state-dir",
                stateDir(index).toString(), "--application-id", "isgd-bench-" + stamp,
                "--api-port", Integer.toString(port), "--api-bind", "127.0.0.1"));
        args.addAll(settings.samplerCommandArgs());
        final List<String> jvm = new ArrayList<>(settings.samplerJvm());
        if (settings.profile()) {
            jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + recording("sampler-" + index));
        }
        return ChildJvm.start("sampler-" + index, jvm, args, diag.resolve("sampler-" + index + logSuffix + ".log"));
    }

    /** Client properties that reach the broker. */
    Map<String, Object> client() {
        return client;
    }

    TopicSetup.Result topics() {
        return topics;
    }

    List<ChildJvm> samplers() {
        return samplers;
    }

    /** Each sampler's /metrics, in instance order. */
    List<URI> apis() {
        return apis;
    }

    ChildJvm broker() {
        return broker;
    }

    Path diagnostics() {
        return diag;
    }

    /** Fails, with the end of its log, if a sampler has exited. */
    void requireAlive() {
        samplers.forEach(ChildJvm::requireAlive);
    }

    /** CPU seconds so far of each sampler, then of the broker, of this process (the load), and the machine's busy ones. */
    double[] cpu() {
        final double[] seconds = new double[samplers.size() + 3];
        for (int i = 0; i < samplers.size(); i++) {
            seconds[i] = ProcCpu.processSeconds(samplers.get(i).pid());
        }
        seconds[samplers.size()] = ProcCpu.processSeconds(broker.pid());
        seconds[samplers.size() + 1] = ProcCpu.processSeconds(ProcessHandle.current().pid());
        seconds[samplers.size() + 2] = ProcCpu.machineBusySeconds();
        return seconds;
    }

    /** RSS of each sampler; with native memory tracking, its summary and the heap's top classes, to files. */
    List<ChildJvm.Rss> rss(final String when) throws IOException {
        final List<ChildJvm.Rss> rss = new ArrayList<>();
        for (final ChildJvm sampler : samplers) {
            rss.add(sampler.rss());
            final String prefix = sampler.name() + "-" + when;
            if (settings.nativeMemoryTracking()) {
                Files.writeString(diag.resolve(prefix + "-nmt.txt"), sampler.jcmd("VM.native_memory", "summary"));
            }
            final String histogram = sampler.jcmd("GC.class_histogram");
            Files.writeString(diag.resolve(prefix + "-heap-top.txt"), String.join("\n",
                    histogram.lines().limit(30).toList()) + "\n");
            System.out.printf(Locale.ROOT, "%s RSS %s: %.0f MiB (peak %.0f MiB)%n", sampler.name(), when,
                    rss.get(rss.size() - 1).vmRss() / 1048576.0, rss.get(rss.size() - 1).vmHwm() / 1048576.0);
        }
        return rss;
    }

    /**
     * Each sampler's flight recording, cut into the measuring windows, printed and kept next to the
     * logs; after {@link #close()}, when the samplers have written their recordings.
     */
    Map<String, List<JfrProfile.Phase>> profiles(final List<JfrProfile.Window> windows) throws IOException {
        final Map<String, List<JfrProfile.Phase>> profiles = new LinkedHashMap<>();
        for (final ChildJvm sampler : samplers) {
            final Path jfr = recording(sampler.name());
            if (!Files.exists(jfr)) {
                System.out.println(sampler.name() + ": no flight recording at " + jfr + "; see " + sampler.log());
                continue;
            }
            final List<JfrProfile.Phase> phases = JfrProfile.read(jfr, windows);
            final String text = JfrProfile.describe(sampler.name(), phases);
            Files.writeString(diag.resolve(sampler.name() + "-profile.txt"), text);
            System.out.print(text);
            profiles.put(sampler.name(), phases);
        }
        return profiles;
    }

    private Path recording(final String sampler) {
        return diag.resolve(sampler + ".jfr");
    }

    @Override
    public void close() {
        try {
            samplers.forEach(ChildJvm::close);
        } finally {
            broker.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
