package org.isgd.infra.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;
import org.isgd.sampler.SamplerApp;
import org.isgd.sampler.SamplerConfig;
import org.isgd.sampler.api.ApiAccess;
import org.isgd.sampler.api.BindAddress;
import org.isgd.sampler.api.QueryServer;
import org.isgd.sampler.run.RunSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isgd sampler}: one instance of the Kafka Streams sampler; start more with the same application id to scale. */
@Command(name = "sampler", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run a sampler instance (Kafka Streams, exactly-once) until Ctrl-C.")
final class SamplerCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--state-dir", defaultValue = "${sys:user.home}/.isgd/sampler-state",
            description = "RocksDB state directory (local to this instance).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = SamplerConfig.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id: instances with the same id share the work.")
    String applicationId;

    @Option(names = "--threads", defaultValue = "" + SamplerConfig.DEFAULT_THREADS, description = "Stream threads.")
    int threads;

    @Option(names = "--shards", defaultValue = "1", paramLabel = "S",
            description = "Spread every run over S shards (stream tasks, on as many instances as run with this "
                    + "application id): each shard owns the samples whose key hashes to it, and a per-run coordinator "
                    + "draws each batch in two levels (how many per shard, then which). 1 = one task owns each run "
                    + "(runs spread over instances by id). Every instance of an application id must use the same S. The selective-"
                    + "backprop and infobatch policies need S = 1.")
    int shards;

    @Option(names = "--commit-interval-ms", defaultValue = "" + SamplerConfig.DEFAULT_COMMIT_INTERVAL_MS,
            description = "Transaction commit interval: bounds the acknowledgement-to-batch latency.")
    long commitIntervalMs;

    @Option(names = "--history-retention-hours", defaultValue = "168", paramLabel = "H",
            description = "A sample's past states (each run's journal of applied prediction batches) are kept this "
                    + "many hours, then deleted; 0 keeps them forever (the journal grows by ~40 bytes per prediction).")
    long historyRetentionHours;

    @Option(names = "--checkpoint-interval-s", defaultValue = "60", paramLabel = "S",
            description = "Each run rewrites the snapshot segments of its samples that changed within about this many "
                    + "seconds, a few at a time (278 KB per 4,096 samples), and never more than 2 bytes of segments per "
                    + "byte its journal grew; a restarted sampler replays about that much of the journal (at most about "
                    + "half a snapshot's bytes). Longer writes less, shorter restarts faster.")
    long checkpointIntervalS;

    @Option(names = "--api-port", defaultValue = "" + QueryServer.DEFAULT_PORT,
            description = "Port of the HTTP query API (/runs, /metrics, /health; client: 'isgd query'); 0 turns it off.")
    int apiPort;

    @Option(names = "--api-bind", defaultValue = BindAddress.DEFAULT,
            description = "Address the query API binds to; a non-loopback address needs --allow-remote-api and a "
                    + "bearer token.")
    String apiBind;

    @Option(names = "--allow-remote-api", description = "Allow binding the query API to a non-loopback address "
            + "(e.g. 0.0.0.0 so that other instances can forward to this one); needs a token (--api-token-file).")
    boolean allowRemoteApi;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "A bearer token (first line, at least 16 characters) every request but /health must carry "
                    + "('Authorization: Bearer <token>'); default: env " + ApiAccess.TOKEN_ENV + ", else none. Every "
                    + "instance of the application id needs the same.")
    Path apiTokenFile;

    @Option(names = "--api-tls-keystore", paramLabel = "FILE",
            description = "Serve the query API over HTTPS with the key in this PKCS12 keystore (instances of the "
                    + "application id share it and trust its certificates when they forward).")
    Path apiTlsKeystore;

    @Option(names = "--api-tls-password-file", paramLabel = "FILE",
            description = "The keystore's password (first line); default: env " + ApiAccess.TLS_PASSWORD_ENV + ".")
    Path apiTlsPasswordFile;

    @Override
    public Integer call() throws Exception {
        if (apiPort < 0 || apiPort > 65535) {
            throw new UsageException("--api-port must be in [0, 65535] (0 turns the API off), was " + apiPort);
        }
        final String apiEndpoint = apiPort == 0 ? null : advertised(apiBind) + ":" + apiPort;
        ApiAccess access = ApiAccess.OPEN;
        if (apiEndpoint != null) {
            try { // before joining the group, not after
                access = new ApiAccess(ApiAccess.token(apiTokenFile, System.getenv()), apiTlsKeystore == null ? null
                        : ApiAccess.tls(apiTlsKeystore, ApiAccess.password(apiTlsPasswordFile, System.getenv())));
                BindAddress.check(apiBind, allowRemoteApi, access.token() != null);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        requireShards(shards);
        if (historyRetentionHours < 0 || checkpointIntervalS < 1) {
            throw new UsageException("--history-retention-hours must be >= 0 (0 = forever) and --checkpoint-interval-s"
                    + " >= 1, were " + historyRetentionHours + " and " + checkpointIntervalS);
        }
        kafka.requireReachable();
        final RunSettings runs = RunSettings.defaults()
                .withHistoryRetention(Duration.ofHours(historyRetentionHours))
                .withCheckpointInterval(Duration.ofSeconds(checkpointIntervalS));
        final SamplerConfig config = new SamplerConfig(kafka.bootstrapServers(), applicationId, stateDir, threads,
                commitIntervalMs, kafka.overrides(), apiEndpoint, shards, runs);
        try (SamplerApp app = SamplerApp.start(config);
             QueryServer api = apiEndpoint == null ? null : QueryServer.start(app,
                     new QueryServer.Settings(apiBind, apiPort, allowRemoteApi, apiEndpoint, access))) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(api, app), "sampler-shutdown"));
            app.awaitRunning(Duration.ofMinutes(2));
            System.out.printf("sampler %s running against %s (state in %s); Ctrl-C stops it%n", applicationId,
                    kafka.bootstrapServers(), stateDir);
            System.out.println(api == null ? "query API off (--api-port 0)"
                    : "query API on " + api.url() + " (advertised as " + apiEndpoint + (access.token() == null ? ""
                    : ", bearer token required") + "); try 'isgd query runs --api " + access.scheme() + "://"
                    + apiEndpoint + "'");
            app.awaitStop();
            if (app.failure() != null) {
                throw new UsageException("sampler stopped: " + Errors.describe(app.failure()));
            }
        }
        return 0;
    }

    /** Stops answering queries before the streams client goes. */
    private static void stop(final QueryServer api, final SamplerApp app) {
        if (api != null) {
            api.close();
        }
        app.close();
    }

    /** The host other instances reach this one at: the bind address, or this machine's name for a wildcard bind. */
    static String advertised(final String bind) {
        try {
            final java.net.InetAddress address = java.net.InetAddress.getByName(bind);
            if (address.isAnyLocalAddress()) {
                return java.net.InetAddress.getLocalHost().getCanonicalHostName();
            }
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("--api-bind " + bind + ": unknown host");
        }
        return bind;
    }

    /** The --shards check of every command that starts a sampler. */
    static void requireShards(final int shards) {
        if (shards < 1) {
            throw new UsageException("--shards must be at least 1, was " + shards);
        }
    }
}
