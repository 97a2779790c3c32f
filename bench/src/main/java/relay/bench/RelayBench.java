package relay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import relay.aws.AwsClients;
import relay.aws.RequestLogTable;
import relay.aws.cache.ResponseCacheTable;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.local.LocalServer;
import relay.testing.FakeOpenAi;
import relay.testing.FakeSecretsManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Relay's benchmarks, a plain main (not JMH): the latency Relay adds to a chat completion, its
 * throughput, and the Lambda handler's cold start. Everything runs on this machine, on loopback:
 * the client, Relay (the local server, i.e. the Lambda handler behind an HTTP server), a fake OpenAI
 * upstream, an embedded DynamoDB for the request log and a fake Secrets Manager.
 */
public final class RelayBench {
    static final String MASTER_KEY = "sk-relay-bench-master-key";
    static final String OPENAI_KEY = "sk-bench-fake-openai-key";
    static final String MODEL = "gpt-4o";
    static final String CHAT_BODY =
            "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";
    static final String SECRET_NAME = "relay-bench-secret";
    static final String LOG_TABLE = "relay-bench-request-log";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration COLD_RUN_TIMEOUT = Duration.ofSeconds(120);
    static final Duration THROUGHPUT_WARMUP = Duration.ofSeconds(1);
    static final String PROXY_JAR = "functions/proxy/target/relay-proxy.jar";
    static final String BENCH_JAR = "bench/target/relay-bench.jar";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The command line. */
    record Options(int warmup, int requests, int concurrency, int seconds, int coldRuns,
                   boolean latency, boolean throughput, boolean coldStart, Path output) {

        static final String USAGE = """
                usage: ./dev bench [--requests N] [--warmup N] [--concurrency C] [--seconds D]
                                   [--cold-runs K] [--cold-start | --no-cold-start] [--output FILE]
                  --requests N      measured requests each way (direct, through Relay) for latency; default 5000
                  --warmup N        warm-up requests each way before measuring latency; default 2000
                  --concurrency C   concurrent clients (virtual threads) for throughput; default 16
                  --seconds D       seconds of throughput measurement each way; default 10
                  --cold-runs K     fresh JVMs started for the cold start; default 5
                  --cold-start      run only the cold-start benchmark
                  --no-cold-start   skip the cold-start benchmark
                  --output FILE     where the JSON results go; default bench/target/bench-results.json
                Other benches: ./dev bench local | streaming | virtual-keys | lambda-stream | lambda-overhead | lambda-cold
                               | lambda-restore  (each with --help for its options; see bench/README.md)""";

        static Options parse(String[] args) {
            int warmup = 2000, requests = 5000, concurrency = 16, seconds = 10, coldRuns = 5;
            boolean onlyCold = false, noCold = false;
            Path output = Path.of("bench", "target", "bench-results.json");
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--help", "-h" -> throw new IllegalArgumentException("help");
                    case "--cold-start" -> onlyCold = true;
                    case "--no-cold-start" -> noCold = true;
                    case "--requests" -> requests = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--warmup" -> warmup = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--concurrency" -> concurrency = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--seconds" -> seconds = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--cold-runs" -> coldRuns = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--output" -> output = Path.of(Flags.value(args, ++i, flag));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (onlyCold && noCold) throw new IllegalArgumentException("--cold-start and --no-cold-start exclude each other");
            if (concurrency > 1024) throw new IllegalArgumentException("--concurrency is at most 1024");
            if (seconds > 600) throw new IllegalArgumentException("--seconds is at most 600");
            if (coldRuns > 100) throw new IllegalArgumentException("--cold-runs is at most 100");
            return new Options(warmup, requests, concurrency, seconds, coldRuns, !onlyCold, !onlyCold, !noCold, output);
        }

    }

    /** A failure the user can act on; printed without a stack trace. */
    public static final class BenchException extends RuntimeException {
        public BenchException(String message) {
            super(message);
        }
    }

    private RelayBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("streaming")) {
            StreamingBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].startsWith("lambda-")) {
            LambdaBench.main(args);
            return;
        }
        if (args.length > 0 && args[0].equals("local-memory")) {
            relay.bench.local.StreamMemory.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("local")) {
            relay.bench.local.LocalBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("virtual-keys")) {
            VirtualKeyBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce(); // before the first loopback server starts
        commandLine(args, Options::parse, Options.USAGE, RelayBench::run);
    }

    /** A bench's own run, given its parsed options. */
    @FunctionalInterface
    public interface Run<O> {
        void run(O options) throws Exception;
    }

    /**
     * Runs a bench from its command line: a bad option prints the usage and exits 2 ({@code --help}: 0), a failure
     * prints its reason and exits 1; otherwise exits 0, since loopback servers' and clients' threads (some not
     * daemons) must not keep the JVM alive.
     */
    public static <O> void commandLine(String[] args, java.util.function.Function<String[], O> parse, String usage, Run<O> run) {
        O options;
        try {
            options = parse.apply(args);
        } catch (IllegalArgumentException e) {
            if (!"help".equals(e.getMessage())) System.err.println("relay-bench: " + e.getMessage());
            System.err.println(usage);
            System.exit("help".equals(e.getMessage()) ? 0 : 2);
            return;
        }
        try {
            run.run(options);
        } catch (BenchException e) {
            System.err.println("relay-bench: " + e.getMessage());
            System.exit(1);
        } catch (Throwable e) {
            System.err.println("relay-bench: failed:");
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    static void run(Options options) throws Exception {
        Path repoRoot = repoRoot();
        // The AWS SDK logs through SLF4J, which says once that it has no binding; say it now, not mid-report.
        org.slf4j.LoggerFactory.getLogger(RelayBench.class);
        Instant started = Instant.now();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("started_at", started.toString());
        results.put("machine", machine());
        Map<String, Object> used = new LinkedHashMap<>();
        used.put("warmup", options.warmup());
        used.put("requests", options.requests());
        used.put("concurrency", options.concurrency());
        used.put("seconds", options.seconds());
        used.put("cold_runs", options.coldRuns());
        results.put("options", used);
        Path proxyJar = repoRoot.resolve(PROXY_JAR);
        if (options.coldStart()) requireColdStartJars(repoRoot, proxyJar); // fail before spending minutes on the rest

        Report report = new Report();
        report.header(started, results);

        Path work = Files.createTempDirectory("relay-bench");
        try (FakeOpenAi fake = FakeOpenAi.start(); Janitor janitor = new Janitor(fake)) {
            Path config = work.resolve("config.yaml");
            Files.writeString(config, config(fake.baseUrl()));
            if (options.latency() || options.throughput()) {
                try (LocalServer server = LocalServer.start(new LocalServer.Options(config, 0, null, "127.0.0.1"),
                        RelayConfig.load(config),
                        new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY, "OPENAI_API_KEY", OPENAI_KEY)))) {
                    HttpClient client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5))
                            .build();
                    HttpRequest direct = chatRequest(fake.baseUrl() + "/chat/completions", OPENAI_KEY);
                    HttpRequest relay = chatRequest(server.url() + "/v1/chat/completions", MASTER_KEY);
                    requireLoopback(direct.uri());
                    requireLoopback(relay.uri());
                    if (options.latency()) {
                        Map<String, Object> latency = latency(client, direct, relay, options);
                        results.put("added_latency", latency);
                        report.latency(latency, options);
                    }
                    if (options.throughput()) {
                        Map<String, Object> throughput = throughput(client, direct, relay, options);
                        results.put("throughput", throughput);
                        report.throughput(throughput, options);
                    }
                }
            }
            if (options.coldStart()) {
                Map<String, Object> cold = coldStart(repoRoot, proxyJar, config, fake, options.coldRuns(), work, false);
                results.put("cold_start", cold);
                report.coldStart(cold, options);
                // The same with the semantic response cache on: what loading the embedder in init costs.
                Path cacheConfig = work.resolve("config-semantic-cache.yaml");
                Files.writeString(cacheConfig, config(fake.baseUrl()) + SEMANTIC_CACHE_SETTINGS);
                Map<String, Object> coldCached = coldStart(repoRoot, proxyJar, cacheConfig, fake, options.coldRuns(), work, true);
                results.put("cold_start_semantic_cache", coldCached);
                report.coldStartWithCache(cold, coldCached);
            }
        } finally {
            deleteQuietly(work);
        }
        results.put("duration_s", round1(Duration.between(started, Instant.now()).toMillis() / 1000.0));

        Path output = options.output().isAbsolute() ? options.output() : repoRoot.resolve(options.output());
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, JSON.writeValueAsString(results) + "\n");
        report.footer(results, repoRoot.relativize(output.toAbsolutePath()).toString());
    }

    // ---------------------------------------------------------------- 1. added latency

    static Map<String, Object> latency(HttpClient client, HttpRequest direct, HttpRequest relay, Options options)
            throws IOException, InterruptedException {
        System.out.printf(Locale.ROOT, "... latency: %,d warm-up and %,d measured requests each way%n",
                options.warmup(), options.requests());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < options.warmup(); i++) {
            timed(client, direct, failures);
            timed(client, relay, failures);
        }
        long[] directNanos = new long[options.requests()];
        long[] relayNanos = new long[options.requests()];
        for (int i = 0; i < options.requests(); i++) {
            directNanos[i] = timed(client, direct, failures);
            relayNanos[i] = timed(client, relay, failures);
        }
        Map<String, Object> directStats = stats(directNanos);
        Map<String, Object> relayStats = stats(relayNanos);
        Map<String, Object> added = new LinkedHashMap<>();
        for (String p : List.of("p50", "p99")) {
            double d = (double) directStats.get(p + "_us");
            double r = (double) relayStats.get(p + "_us");
            added.put(p + "_us", round1(r - d));
            added.put(p + "_ratio", round2(r / d));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "wall time of one small non-streaming chat completion, measured by one sequential client; "
                + "direct and through-Relay requests interleaved");
        out.put("direct", directStats);
        out.put("relay", relayStats);
        out.put("added_by_relay", added);
        out.put("added_is", "Relay's percentile minus direct's percentile (not a percentile of per-request differences)");
        out.put("connection_failures_retried", failures.size());
        if (!failures.isEmpty()) out.put("first_connection_failure", failures.get(0));
        return out;
    }

    /**
     * Sends one request and returns its wall time in nanoseconds. A connection failure is noted in
     * {@code failures} and the request sent again (at most 3 times in all); anything but a 200 stops the benchmark.
     */
    static long timed(HttpClient client, HttpRequest request, List<String> failures)
            throws IOException, InterruptedException {
        long start;
        HttpResponse<byte[]> response;
        for (int attempt = 1; ; attempt++) {
            start = System.nanoTime();
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                break;
            } catch (IOException e) {
                failures.add(e.toString());
                if (attempt == 3) throw e;
            }
        }
        long elapsed = System.nanoTime() - start;
        if (response.statusCode() != 200) {
            throw new BenchException(request.uri() + " answered " + response.statusCode() + ": "
                    + head(new String(response.body(), StandardCharsets.UTF_8)));
        }
        return elapsed;
    }

    static Map<String, Object> stats(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", sorted.length);
        out.put("p50_us", micros(percentile(sorted, 50)));
        out.put("p90_us", micros(percentile(sorted, 90)));
        out.put("p99_us", micros(percentile(sorted, 99)));
        out.put("min_us", micros(sorted[0]));
        out.put("max_us", micros(sorted[sorted.length - 1]));
        out.put("mean_us", round1(Arrays.stream(sorted).average().orElse(0) / 1000.0));
        return out;
    }

    /** Nearest-rank percentile of values in any order. */
    public static double percentileOf(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return percentile(sorted, p);
    }

    /** Nearest-rank percentile of sorted values. */
    public static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    // ---------------------------------------------------------------- 2. throughput

    static Map<String, Object> throughput(HttpClient client, HttpRequest direct, HttpRequest relay, Options options)
            throws InterruptedException {
        System.out.printf(Locale.ROOT, "... throughput: %d concurrent clients, %d s each way (after %d s warm-up each)%n",
                options.concurrency(), options.seconds(), THROUGHPUT_WARMUP.toSeconds());
        Map<String, Object> directRun = load("direct to the fake OpenAI", client, direct, options.concurrency(),
                Duration.ofSeconds(options.seconds()));
        Map<String, Object> relayRun = load("through Relay", client, relay, options.concurrency(),
                Duration.ofSeconds(options.seconds()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "completed 200 responses per second with " + options.concurrency()
                + " concurrent virtual-thread clients, each sending its next request as soon as the last one is answered");
        out.put("direct", directRun);
        out.put("relay", relayRun);
        out.put("relay_to_direct_ratio", round3((double) relayRun.get("requests_per_second")
                / (double) directRun.get("requests_per_second")));
        return out;
    }

    private static Map<String, Object> load(String target, HttpClient client, HttpRequest request, int concurrency,
                                            Duration duration) throws InterruptedException {
        hammer(client, request, concurrency, THROUGHPUT_WARMUP); // connections opened, the concurrent paths warmed
        Load load = hammer(client, request, concurrency, duration);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests_per_second", round1(load.completed() / (load.elapsedNanos() / 1e9)));
        out.put("completed", load.completed());
        out.put("failed", load.failed());
        if (load.firstError() != null) out.put("first_failure", load.firstError());
        out.put("elapsed_s", round3(load.elapsedNanos() / 1e9));
        if (load.failed() * 100 > load.completed() + load.failed()) { // over 1%
            throw new BenchException(load.failed() + " of " + (load.completed() + load.failed()) + " requests " + target
                    + " failed under load (first: " + load.firstError() + "); the throughput figure would not mean anything");
        }
        return out;
    }

    /** What {@code concurrency} clients achieved in one timed run. */
    record Load(long completed, long failed, String firstError, long elapsedNanos) {}

    /** {@code concurrency} clients send requests until {@code duration} is over; only 200s count as completed. */
    private static Load hammer(HttpClient client, HttpRequest request, int concurrency, Duration duration)
            throws InterruptedException {
        LongAdder completed = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < concurrency; c++) {
                clients.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (response.statusCode() == 200) {
                                completed.increment();
                            } else {
                                failed.increment();
                                firstError.compareAndSet(null, "HTTP " + response.statusCode() + ": "
                                        + head(new String(response.body(), StandardCharsets.UTF_8)));
                            }
                        } catch (IOException e) {
                            failed.increment();
                            firstError.compareAndSet(null, e.toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
        } // waits for every client's last request
        return new Load(completed.sum(), failed.sum(), firstError.get(), System.nanoTime() - start);
    }

    // ---------------------------------------------------------------- 3. cold start

    static void requireColdStartJars(Path repoRoot, Path proxyJar) {
        if (!Files.isRegularFile(proxyJar)) {
            throw new BenchException("the cold-start benchmark needs the Lambda artifact " + proxyJar
                    + ", which is missing. Build it with: ./dev mvn -q -pl functions/proxy -am package -DskipTests"
                    + " (./dev bench builds it too), or run with --no-cold-start.");
        }
        if (!Files.isRegularFile(repoRoot.resolve(BENCH_JAR))) {
            throw new BenchException("the cold-start benchmark starts JVMs on " + repoRoot.resolve(BENCH_JAR)
                    + ", which is missing. Build it with: ./dev mvn -q -pl bench -am package -DskipTests");
        }
    }

    static final String SEMANTIC_CACHE_SETTINGS = """
            litellm_settings:
              cache: true
              cache_params: {type: dynamodb-semantic}
            """;

    static Map<String, Object> coldStart(Path repoRoot, Path proxyJar, Path config, FakeOpenAi fake, int runs, Path work,
                                         boolean semanticCache) throws IOException, InterruptedException {
        System.out.printf(Locale.ROOT, "... cold start: %d fresh JVMs, each running the handler's init and first invoke%n", runs);
        List<Map<String, Object>> samples = new ArrayList<>();
        List<String> command;
        long logItems;
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
             FakeSecretsManager secrets = FakeSecretsManager.start();
             DynamoDbClient dynamo = AwsClients.dynamoDb(Region.US_EAST_1,
                     StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")), dynamoDb.endpoint())) {
            requireLoopback(dynamoDb.endpoint());
            requireLoopback(secrets.endpoint());
            dynamo.createTable(RequestLogTable.createRequest(LOG_TABLE));
            dynamo.updateTimeToLive(RequestLogTable.timeToLiveRequest(LOG_TABLE));
            secrets.put(SECRET_NAME, JSON.writeValueAsString(Map.of("RELAY_MASTER_KEY", MASTER_KEY, "OPENAI_API_KEY", OPENAI_KEY)));
            if (semanticCache) ResponseCacheTable.createIfMissing(dynamo, ResponseCacheTable.LOCAL_NAME);

            Map<String, String> env = new LinkedHashMap<>();
            env.put("RELAY_SECRET_ARN", secrets.arn(SECRET_NAME));
            env.put("RELAY_REQUEST_LOG_TABLE", LOG_TABLE);
            env.put("RELAY_CONFIG_PATH", config.toAbsolutePath().toString());
            if (semanticCache) env.put(ResponseCacheTable.ENVIRONMENT_VARIABLE, ResponseCacheTable.LOCAL_NAME);
            env.put("RELAY_DYNAMODB_ENDPOINT", dynamoDb.endpoint().toString());
            env.put("RELAY_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "bench");
            env.put("AWS_SECRET_ACCESS_KEY", "bench");

            String javaBin = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command = List.of(javaBin, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                    "-cp", PROXY_JAR + File.pathSeparator + BENCH_JAR,
                    ColdStart.class.getName(), MASTER_KEY, MODEL);
            for (int run = 1; run <= runs; run++) {
                if (semanticCache && run > 1) { // an empty cache each run: every first event is a miss, as in the plain runs
                    dynamo.deleteTable(b -> b.tableName(ResponseCacheTable.LOCAL_NAME));
                    ResponseCacheTable.createIfMissing(dynamo, ResponseCacheTable.LOCAL_NAME);
                }
                samples.add(coldRun(command, env, repoRoot, run));
            }
            logItems = dynamo.scan(b -> b.tableName(LOG_TABLE)).items().size();
        }
        if (logItems != runs) {
            throw new BenchException("the cold-start runs should have written " + runs
                    + " request log records to the embedded DynamoDB, but it holds " + logItems);
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "a fresh JVM per run (-XX:+TieredCompilation -XX:TieredStopAtLevel=1, as the SAM template sets) running "
                + "new ProxyHandler() from the Lambda environment and one chat completion event; no SnapStart, no Lambda runtime");
        out.put("runs", runs);
        out.put("command", String.join(" ", command.stream().map(a -> a.equals(MASTER_KEY) ? "<master key>" : a).toList()));
        out.put("median_jvm_start_to_main_ms", median(samples, s -> (double) s.get("jvm_start_to_main_ms")));
        out.put("median_init_ms", median(samples, s -> (double) s.get("init_ms")));
        out.put("median_first_invoke_ms", median(samples, s -> (double) s.get("first_invoke_ms")));
        out.put("median_jvm_start_to_first_event_ms", median(samples, s -> (double) s.get("jvm_start_to_first_event_ms")));
        out.put("median_spawn_to_first_event_ms", median(samples, s -> (double) s.get("spawn_to_first_event_ms")));
        out.put("request_log_records_written", logItems);
        long size = Files.size(proxyJar);
        Map<String, Object> jar = new LinkedHashMap<>();
        jar.put("path", PROXY_JAR);
        jar.put("bytes", size);
        jar.put("megabytes", round1(size / 1e6));
        jar.put("mebibytes", round1(size / (1024.0 * 1024.0)));
        out.put("proxy_jar", jar);
        out.put("samples", samples);
        return out;
    }

    private static Map<String, Object> coldRun(List<String> command, Map<String, String> env, Path repoRoot, int run)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true);
        // Only what the Lambda environment would set: no inherited AWS settings, Relay settings or JVM options.
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("RELAY_")
                || name.equals("JAVA_TOOL_OPTIONS") || name.equals("JDK_JAVA_OPTIONS") || name.equals("_JAVA_OPTIONS")
                || name.equals("CLASSPATH"));
        builder.environment().putAll(env);

        long spawnEpochMillis = System.currentTimeMillis();
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("\n(could not read the output: ").append(e.getMessage()).append(')');
            }
        });
        if (!process.waitFor(COLD_RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new BenchException("cold-start run " + run + " did not finish within " + COLD_RUN_TIMEOUT.toSeconds() + " s");
        }
        reader.join(Duration.ofSeconds(10));
        String text = output.toString(); // join: the reader's writes are visible
        String line = text.lines().filter(l -> l.startsWith(ColdStart.MARKER)).findFirst().orElse(null);
        if (line == null || process.exitValue() != 0) {
            throw new BenchException("cold-start run " + run + " failed (exit " + process.exitValue() + "). Its output:\n" + text.strip());
        }
        JsonNode json = JSON.readTree(line);
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("run", run);
        sample.put("jvm_start_to_main_ms", round1(json.path("jvm_start_to_main_ms").asDouble()));
        sample.put("init_ms", round1(json.path("init_ms").asDouble()));
        sample.put("first_invoke_ms", round1(json.path("first_invoke_ms").asDouble()));
        sample.put("jvm_start_to_first_event_ms", round1(json.path("jvm_start_to_first_event_ms").asDouble()));
        sample.put("spawn_to_first_event_ms", (double) (json.path("handled_epoch_ms").asLong() - spawnEpochMillis));
        sample.put("status", json.path("status").asInt());
        return sample;
    }

    static double median(List<Map<String, Object>> samples, ToDoubleFunction<Map<String, Object>> field) {
        double[] values = samples.stream().mapToDouble(field).sorted().toArray();
        int n = values.length;
        return round1(n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
    }

    // ---------------------------------------------------------------- set-up

    /** The config every bench gives Relay: {@link #MODEL} on the fake upstream at {@code fakeBaseUrl}, and a mock model. */
    public static String config(String fakeBaseUrl) {
        return """
                # Written by relay-bench for one run.
                model_list:
                  - model_name: mock-gpt
                    litellm_params:
                      model: mock/mock-gpt
                  - model_name: %s
                    litellm_params:
                      model: openai/gpt-4o
                      api_base: %s
                      api_key: os.environ/OPENAI_API_KEY
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """.formatted(MODEL, fakeBaseUrl);
    }

    static HttpRequest chatRequest(String url, String bearer) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(REQUEST_TIMEOUT)
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY))
                .build();
    }

    /** The benchmark talks to this machine only. */
    static void requireLoopback(URI uri) {
        String host = uri.getHost();
        boolean loopback;
        try {
            loopback = host != null && java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) throw new BenchException("refusing to benchmark " + uri + ": not a loopback address");
    }

    /** The repository root: the working directory of ./dev bench, else where this jar sits (bench/target/). */
    public static Path repoRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("bench")) && Files.isDirectory(cwd.resolve("functions"))) return cwd;
        try {
            Path jar = Path.of(RelayBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent() == null ? null : jar.getParent().getParent();
            if (candidate != null) candidate = candidate.getParent();
            if (candidate != null && Files.isDirectory(candidate.resolve("functions"))) return candidate;
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        return cwd;
    }

    public static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memory_mb", memoryMb());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java_version", System.getProperty("java.version"));
        m.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                + " (" + System.getProperty("java.vm.vendor") + ")");
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("load_average_1min_at_start", round2(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        m.put("jvm_flags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        return m;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long memoryMb() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024)
                    .findFirst().orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Clears what the fake OpenAI server records every 100 ms. It keeps every request in a
     * copy-on-write list, so without this each request would copy all earlier ones and the fake,
     * not Relay, would set the pace (and fill the heap) after some tens of thousands of requests.
     */
    static final class Janitor implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Janitor(FakeOpenAi fake) {
            thread = Thread.ofPlatform().daemon().name("relay-bench-janitor").start(() -> {
                while (running.get()) {
                    fake.reset();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() {
            running.set(false);
            thread.interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp directory; the OS cleans it up eventually
        }
    }

    public static String head(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    static double micros(long nanos) {
        return round1(nanos / 1000.0);
    }

    public static double round1(double v) {
        return Math.round(v * 10.0) / 10.0;
    }

    public static double round2(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    public static double round3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    // ---------------------------------------------------------------- the plain-text report

    /** Prints the report as the results come in, so a long run shows progress. */
    public static final class Report {
        private final StringBuilder text = new StringBuilder();

        private void print(String format, Object... args) {
            String line = String.format(Locale.ROOT, format, args);
            text.append(line).append('\n');
            System.out.println(line);
        }

        @SuppressWarnings("unchecked")
        public void header(Instant started, Map<String, Object> results) {
            Map<String, Object> m = (Map<String, Object>) results.get("machine");
            print("Relay benchmark, %s", started);
            print("Machine: %s cores (%s), %s MB RAM, %s", m.get("cores"), m.get("cpu"), m.get("memory_mb"), m.get("os"));
            print("Java: %s, %s, max heap %s MB", m.get("java_version"), m.get("java_vm"), m.get("max_heap_mb"));
            double load = (double) m.get("load_average_1min_at_start");
            print("Load average (1 min) at start: %.2f%s", load, load > 0.5 * (int) m.get("cores")
                    ? "  -- other work is running on this machine; the figures will be noisier and lower" : "");
            print("Everything runs on this machine over loopback: the client, Relay, the fake OpenAI upstream,");
            print("the embedded DynamoDB (request log) and the fake Secrets Manager share its cores.");
            print("");
        }

        @SuppressWarnings("unchecked")
        void latency(Map<String, Object> latency, Options options) {
            Map<String, Object> d = (Map<String, Object>) latency.get("direct");
            Map<String, Object> r = (Map<String, Object>) latency.get("relay");
            Map<String, Object> a = (Map<String, Object>) latency.get("added_by_relay");
            print("1. Added latency: wall time of one small non-streaming chat completion, one sequential client,");
            print("   %,d requests each way, direct and through Relay interleaved, after %,d warm-up requests each way.",
                    options.requests(), options.warmup());
            print("   %-36s %10s %10s %10s", "", "p50 (us)", "p90 (us)", "p99 (us)");
            print("   %-36s %10.1f %10.1f %10.1f", "client -> fake OpenAI (direct)", d.get("p50_us"), d.get("p90_us"), d.get("p99_us"));
            print("   %-36s %10.1f %10.1f %10.1f", "client -> Relay -> fake OpenAI", r.get("p50_us"), r.get("p90_us"), r.get("p99_us"));
            print("   Added by Relay (Relay minus direct): p50 %+.1f us, p99 %+.1f us", a.get("p50_us"), a.get("p99_us"));
            print("   Ratio Relay / direct:                p50 %.2fx, p99 %.2fx", a.get("p50_ratio"), a.get("p99_ratio"));
            if ((int) latency.get("connection_failures_retried") > 0) {
                print("   Connection failures, retried and not timed: %d (first: %s)",
                        latency.get("connection_failures_retried"), latency.get("first_connection_failure"));
            }
            print("");
        }

        @SuppressWarnings("unchecked")
        void throughput(Map<String, Object> throughput, Options options) {
            Map<String, Object> d = (Map<String, Object>) throughput.get("direct");
            Map<String, Object> r = (Map<String, Object>) throughput.get("relay");
            print("2. Throughput: completed requests per second, %d concurrent clients (virtual threads),", options.concurrency());
            print("   %d s each way after %d s warm-up; Relay's work shares the cores with the client and the fake.",
                    options.seconds(), THROUGHPUT_WARMUP.toSeconds());
            print("   %-36s %,12.1f req/s  (%,d requests in %.2f s)", "client -> fake OpenAI (direct)",
                    d.get("requests_per_second"), d.get("completed"), d.get("elapsed_s"));
            print("   %-36s %,12.1f req/s  (%,d requests in %.2f s)", "client -> Relay -> fake OpenAI",
                    r.get("requests_per_second"), r.get("completed"), r.get("elapsed_s"));
            print("   Ratio Relay / direct: %.3f", throughput.get("relay_to_direct_ratio"));
            for (var run : List.of(Map.entry("direct", d), Map.entry("through Relay", r))) {
                if ((long) run.getValue().get("failed") > 0) {
                    print("   Failed requests %s, not counted: %,d (first: %s)", run.getKey(), run.getValue().get("failed"),
                            run.getValue().get("first_failure"));
                }
            }
            print("");
        }

        @SuppressWarnings("unchecked")
        void coldStart(Map<String, Object> cold, Options options) {
            Map<String, Object> jar = (Map<String, Object>) cold.get("proxy_jar");
            List<Map<String, Object>> samples = (List<Map<String, Object>>) cold.get("samples");
            print("3. Cold start of the Lambda handler: median of %d fresh JVMs (-XX:TieredStopAtLevel=1, as on Lambda),", options.coldRuns());
            print("   wired from the Lambda environment against the embedded DynamoDB and the fake Secrets Manager.");
            print("   Not Lambda: no SnapStart, no Lambda runtime client, this machine's CPU and disk.");
            print("   Each line is that figure's own median over the runs, so the lines need not add up.");
            print("   %-58s %8.1f ms", "JVM start -> main (JVM boot, as the JVM records it)", cold.get("median_jvm_start_to_main_ms"));
            print("   %-58s %8.1f ms", "init: new ProxyHandler() (Lambda's init phase)", cold.get("median_init_ms"));
            print("   %-58s %8.1f ms", "first invoke: first chat event (keys, upstream call, log)", cold.get("median_first_invoke_ms"));
            print("   %-58s %8.1f ms", "total: JVM start -> first event handled", cold.get("median_jvm_start_to_first_event_ms"));
            print("   %-58s %8.1f ms", "process spawn -> first event handled (bench's clock)", cold.get("median_spawn_to_first_event_ms"));
            StringBuilder runs = new StringBuilder();
            for (Map<String, Object> s : samples) {
                if (!runs.isEmpty()) runs.append(", ");
                runs.append(String.format(Locale.ROOT, "%.0f", (double) s.get("jvm_start_to_first_event_ms")));
            }
            print("   Each run's total, in order (ms): %s", runs);
            print("   Deployable artifact %s: %,d bytes (%.1f MB, %.1f MiB)", jar.get("path"), jar.get("bytes"),
                    jar.get("megabytes"), jar.get("mebibytes"));
            print("");
        }

        void coldStartWithCache(Map<String, Object> plain, Map<String, Object> cached) {
            double initPlain = (double) plain.get("median_init_ms");
            double initCached = (double) cached.get("median_init_ms");
            double totalPlain = (double) plain.get("median_jvm_start_to_first_event_ms");
            double totalCached = (double) cached.get("median_jvm_start_to_first_event_ms");
            print("   With the semantic response cache on (the embedder loads and warms up in init), same runs' medians:");
            print("   %-58s %8.1f ms (%.2fx, +%.0f ms)", "init", initCached, initCached / initPlain, initCached - initPlain);
            print("   %-58s %8.1f ms (%.2fx, +%.0f ms)", "total: JVM start -> first event handled", totalCached,
                    totalCached / totalPlain, totalCached - totalPlain);
            print("");
        }

        void footer(Map<String, Object> results, String output) {
            print("Total bench time %.1f s. JSON results: %s", results.get("duration_s"), output);
        }
    }
}
