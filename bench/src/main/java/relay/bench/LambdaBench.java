package relay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
import java.util.stream.Stream;
import relay.aws.AwsClients;
import relay.aws.RequestLogTable;
import relay.bench.LambdaFunction.Invocation;
import relay.bench.LambdaFunction.Runtime;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.testing.FakeOpenAi;
import relay.testing.FakeSecretsManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The Lambda function's benchmarks, each baseline and subject in one run: the packaged function
 * ({@code functions/proxy/target/relay-proxy.jar}) in child JVMs started as the managed java21 runtime
 * starts them, under Relay's own runtime loop and under AWS's runtime interface client (today's
 * handler), each driven by a Runtime API simulator ({@link relay.testing.FakeLambdaRuntimeApi}) in this
 * JVM, against a fake OpenAI upstream, the embedded DynamoDB (request log) and a fake Secrets Manager,
 * all on loopback.
 *
 * <ul>
 *   <li>{@code lambda-stream}: time to the first chunk of a streamed chat, direct vs through each runtime;</li>
 *   <li>{@code lambda-overhead}: client-visible time of a buffered chat, with a fast and a slow DynamoDB;</li>
 *   <li>{@code lambda-cold}: init and first invocation in fresh JVMs;</li>
 *   <li>{@code lambda-restore}: the first invocation after a simulated SnapStart restore against the steady state.</li>
 * </ul>
 */
final class LambdaBench {
    static final String RUNTIME_CLIENT_DIR = "bench/target/lambda-runtime-client";
    static final String EVENT_TEMPLATE = "events/chat-completions.json";
    static final String LOG_TABLE = RelayBench.LOG_TABLE;
    /** What the answer to a buffered chat holds (the fake upstream echoes the last user message). */
    static final String BUFFERED_ANSWER = "Echo: Say hello in five words.";
    /** The first content chunk of a paced stream: {@code {"content":"w0 "}}. */
    static final String FIRST_CHUNK = "\"w0 \"";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LambdaBench() {}

    /** The command line of one Lambda bench; each uses the options it names in its usage. */
    record Options(int requests, int warmup, int chunks, int gapMillis, int runs, int slowRequests, int slowWarmup,
                   int delayMillis, int invocations, boolean jfr, boolean fullJit, boolean classLog, List<String> jvmOptions,
                   Path output) {

        static final String USAGE = """
                usage: ./dev bench lambda-stream   [--requests N] [--warmup N] [--chunks C] [--gap MS] [--output FILE]
                       ./dev bench lambda-overhead [--requests N] [--warmup N] [--slow-requests N] [--slow-warmup N]
                                                   [--delay MS] [--jfr] [--output FILE]
                       ./dev bench lambda-cold     [--runs K] [--output FILE]
                       ./dev bench lambda-restore  [--runs K] [--invocations N] [--class-log] [--output FILE]
                       any of them: [--full-jit] [--jvm-option OPTION]...
                  --requests N       measured requests per target (direct and each runtime); stream 150, overhead 1000
                  --warmup N         warm-up requests per target before those; stream 150, overhead 400
                  --chunks C, --gap MS   the upstream's stream: C chunks, MS apart; default 5 and 20
                  --slow-requests N, --slow-warmup N   the same with the slow DynamoDB; default 150 and 40
                  --delay MS         what the slow DynamoDB adds to every call; default 50
                  --jfr              record the measured part of the fast phase with JFR in both functions
                                     (bench/target/jfr/<runtime>.jfr)
                  --runs K           fresh JVMs per runtime; default 5
                  --invocations N    invocations after the restore (the steady state is the median of the last half); default 100
                  --class-log        log the classes each function's first run loads (-Xlog:class+load) and count those
                                     loaded by the first invocation after the restore, by package
                  --full-jit         run the functions without -XX:TieredStopAtLevel=1 (C2 too): an experiment, not Lambda's setting
                  --jvm-option OPTION   one more option for both functions' JVMs, such as a profiler's -agentpath
                  --output FILE      where the JSON goes; default bench/target/<bench>.json""";

        static Options parse(String command, String[] args) {
            boolean stream = command.equals("lambda-stream");
            int requests = stream ? 150 : 1000, warmup = stream ? 150 : 400, chunks = 5, gap = 20, runs = 5;
            int slowRequests = 150, slowWarmup = 40, delay = 50, invocations = 100;
            boolean jfr = false, fullJit = false, classLog = false;
            List<String> jvmOptions = new ArrayList<>();
            Path output = Path.of("bench", "target", command + ".json");
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--help", "-h" -> throw new IllegalArgumentException("help");
                    case "--requests" -> requests = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--warmup" -> warmup = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--chunks" -> chunks = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--gap" -> gap = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--runs" -> runs = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--slow-requests" -> slowRequests = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--slow-warmup" -> slowWarmup = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--delay" -> delay = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--invocations" -> invocations = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--jfr" -> jfr = true;
                    case "--full-jit" -> fullJit = true;
                    case "--class-log" -> classLog = true;
                    case "--jvm-option" -> jvmOptions.add(Flags.value(args, ++i, flag));
                    case "--output" -> output = Path.of(Flags.value(args, ++i, flag));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (runs > 50) throw new IllegalArgumentException("--runs is at most 50");
            if (invocations < 2) throw new IllegalArgumentException("--invocations must be at least 2");
            return new Options(requests, warmup, chunks, gap, runs, slowRequests, slowWarmup, delay, invocations, jfr, fullJit,
                    classLog, List.copyOf(jvmOptions), output);
        }

    }

    /** {@code args[0]} is the bench's name. */
    static void main(String[] args) {
        EmbeddedDynamoDb.sendSegmentsAtOnce(); // before the first loopback server starts
        String command = args[0];
        Options options;
        try {
            if (!List.of("lambda-stream", "lambda-overhead", "lambda-cold", "lambda-restore").contains(command)) {
                throw new IllegalArgumentException("unknown bench " + command);
            }
            options = Options.parse(command, Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("help")) System.err.println("relay-bench: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(e.getMessage().equals("help") ? 0 : 2);
            return;
        }
        try {
            run(command, options);
        } catch (RelayBench.BenchException e) {
            System.err.println("relay-bench: " + e.getMessage());
            System.exit(1);
        } catch (Throwable e) {
            System.err.println("relay-bench: failed:");
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // the embedded servers' threads would keep the JVM alive
    }

    static void run(String command, Options options) throws Exception {
        org.slf4j.LoggerFactory.getLogger(LambdaBench.class); // SLF4J's one-time notice now, not mid-report
        Instant started = Instant.now();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("bench", command);
        results.put("started_at", started.toString());
        results.put("machine", RelayBench.machine());
        results.put("options", options.toString());
        Report report = new Report();
        new RelayBench.Report().header(started, results);
        List<String> jvmOptions = Stream.concat(LambdaFunction.LAMBDA_JVM_OPTIONS.stream()
                .filter(option -> !(options.fullJit() && option.startsWith("-XX:TieredStopAtLevel="))),
                options.jvmOptions().stream()).toList();
        if (options.fullJit()) report.print("--full-jit: the functions run without -XX:TieredStopAtLevel=1 (not Lambda's setting)");
        try (Testbed bed = Testbed.start(jvmOptions)) {
            results.put("function_jvm_options", String.join(" ", jvmOptions));
            switch (command) {
                case "lambda-stream" -> results.put("stream", stream(bed, options, report));
                case "lambda-overhead" -> results.put("overhead", overhead(bed, options, report));
                case "lambda-cold" -> results.put("cold", cold(bed, options, report));
                case "lambda-restore" -> results.put("restore", restore(bed, options, report));
                default -> throw new IllegalStateException(command);
            }
        }
        results.put("duration_s", RelayBench.round1(Duration.between(started, Instant.now()).toMillis() / 1000.0));
        Path repoRoot = RelayBench.repoRoot();
        Path output = options.output().isAbsolute() ? options.output() : repoRoot.resolve(options.output());
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, JSON.writeValueAsString(results) + "\n");
        report.print("Total bench time %.1f s. JSON results: %s", results.get("duration_s"),
                repoRoot.relativize(output.toAbsolutePath()));
    }

    // ---------------------------------------------------------------- lambda-stream

    static Map<String, Object> stream(Testbed bed, Options o, Report report) throws Exception {
        report.print("... streamed chat: %d warm-up and %d measured requests per target, upstream %d chunks %d ms apart",
                o.warmup(), o.requests(), o.chunks(), o.gapMillis());
        var warm = new FakeOpenAi.Reply.Paced(2, Duration.ZERO);
        var paced = new FakeOpenAi.Reply.Paced(o.chunks(), Duration.ofMillis(o.gapMillis()));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI direct = URI.create(bed.upstream.baseUrl() + "/chat/completions");
        RelayBench.requireLoopback(direct);
        Map<String, long[]> first = new LinkedHashMap<>(), total = new LinkedHashMap<>();
        List<String> targets = List.of("direct", Runtime.RELAY_LOOP.key(), Runtime.AWS_CLIENT.key());
        for (String t : targets) {
            first.put(t, new long[o.requests()]);
            total.put(t, new long[o.requests()]);
        }
        try (LambdaFunction loop = bed.start(Runtime.RELAY_LOOP, bed.dynamoDb.endpoint(), "stream-relay-loop", Map.of());
             LambdaFunction aws = bed.start(Runtime.AWS_CLIENT, bed.dynamoDb.endpoint(), "stream-aws-client", Map.of())) {
            loop.awaitFirstNext();
            aws.awaitFirstNext();
            int id = 0;
            for (int round = 0; round < o.warmup() + o.requests(); round++) {
                boolean measured = round >= o.warmup();
                int i = round - o.warmup();
                for (int k = 0; k < targets.size(); k++) { // each round in another order: no target always goes first
                    String target = targets.get((round + k) % targets.size());
                    bed.upstream.enqueue(measured ? paced : warm);
                    long f, t;
                    if (target.equals("direct")) {
                        StreamingBench.Timing timing = StreamingBench.stream(http, direct);
                        f = timing.firstChunkNanos();
                        t = timing.totalNanos();
                    } else {
                        LambdaFunction function = target.equals(loop.runtime().key()) ? loop : aws;
                        String requestId = "stream-" + (++id);
                        Invocation inv = function.invoke(requestId, bed.event(requestId, StreamingBench.STREAM_BODY), FIRST_CHUNK);
                        requireAnswer(function, inv, "w0 ");
                        f = inv.firstChunkNanos();
                        t = inv.clientVisibleNanos();
                    }
                    if (measured) {
                        first.get(target)[i] = f;
                        total.get(target)[i] = t;
                    }
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "a streamed chat (upstream: " + o.chunks() + " chunks " + o.gapMillis() + " ms apart); first chunk = "
                + "direct: from sending the request to the client reading the first content chunk; through Lambda: from the "
                + "simulator handing out the event (next answered) to it receiving the chunk that holds the first content "
                + "(after the prelude); AWS's client answers whole, so its first chunk is its whole answer");
        out.put("requests_per_target", o.requests());
        out.put("warmup_per_target", o.warmup());
        for (String t : targets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("first_chunk", RelayBench.stats(first.get(t)));
            m.put("total", RelayBench.stats(total.get(t)));
            out.put(t, m);
        }
        out.put("added_to_first_chunk", added(first, "direct", targets.subList(1, targets.size())));
        out.put("added_to_total", added(total, "direct", targets.subList(1, targets.size())));

        report.print("");
        report.print("Streamed chat through the Lambda function, %d requests per target interleaved, after %d warm-up each;",
                o.requests(), o.warmup());
        report.print("upstream: %d chunks %d ms apart. Times in ms; Lambda's from the event handed out (next answered).",
                o.chunks(), o.gapMillis());
        report.print("   %-34s %10s %10s %10s %10s", "", "first p50", "first p99", "total p50", "total p99");
        for (String t : targets) {
            report.print("   %-34s %10.2f %10.2f %10.1f %10.1f", label(t), ms(first.get(t), 50), ms(first.get(t), 99),
                    ms(total.get(t), 50), ms(total.get(t), 99));
        }
        for (String t : targets.subList(1, targets.size())) {
            report.print("   %-34s first chunk %+.2f ms p50, %+.2f ms p99; total %+.1f ms p50 (x%.3f)", label(t) + " minus direct:",
                    ms(first.get(t), 50) - ms(first.get("direct"), 50), ms(first.get(t), 99) - ms(first.get("direct"), 99),
                    ms(total.get(t), 50) - ms(total.get("direct"), 50), ms(total.get(t), 50) / ms(total.get("direct"), 50));
        }
        report.print("");
        return out;
    }

    // ---------------------------------------------------------------- lambda-overhead

    static Map<String, Object> overhead(Testbed bed, Options o, Report report) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "a buffered (non-streamed) chat completion through API Gateway's REST event; client-visible = from the "
                + "simulator handing out the event (next answered) to it having the whole response; busy = to the runtime asking "
                + "for the next event (Relay's loop writes the request log in between); direct = the bench's HTTP client to the "
                + "fake upstream, send to body read");
        try (RelayBench.Janitor janitor = new RelayBench.Janitor(bed.upstream)) {
            out.put("fast_dynamodb", overheadPhase(bed, o, report, "fast", bed.dynamoDb.endpoint(), o.warmup(), o.requests(),
                    "the embedded DynamoDB, direct", o.jfr()));
            try (DelayingProxy slow = DelayingProxy.start(bed.dynamoDb.endpoint(), Duration.ofMillis(o.delayMillis()))) {
                Map<String, Object> phase = overheadPhase(bed, o, report, "slow", slow.endpoint(), o.slowWarmup(), o.slowRequests(),
                        "the embedded DynamoDB behind a proxy adding " + o.delayMillis() + " ms to every call", false);
                phase.put("dynamodb_calls_delayed", slow.delayedCalls());
                out.put("slow_dynamodb", phase);
            }
        }
        return out;
    }

    private static Map<String, Object> overheadPhase(Testbed bed, Options o, Report report, String name, URI dynamoDb,
                                                     int warmup, int requests, String dynamoDbIs, boolean jfr) throws Exception {
        report.print("... buffered chat, %s DynamoDB: %d warm-up and %d measured requests per target", name, warmup, requests);
        long recordsBefore = bed.logRecords();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest direct = RelayBench.chatRequest(bed.upstream.baseUrl() + "/chat/completions", RelayBench.OPENAI_KEY);
        RelayBench.requireLoopback(direct.uri());
        List<String> targets = List.of("direct", Runtime.RELAY_LOOP.key(), Runtime.AWS_CLIENT.key());
        Map<String, long[]> visible = new LinkedHashMap<>(), busy = new LinkedHashMap<>(), untilResponse = new LinkedHashMap<>();
        for (String t : targets) {
            visible.put(t, new long[requests]);
            busy.put(t, new long[requests]);
            untilResponse.put(t, new long[requests]);
        }
        Map<String, Object> allocation = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        try (LambdaFunction loop = bed.start(Runtime.RELAY_LOOP, dynamoDb, name + "-relay-loop", Map.of());
             LambdaFunction aws = bed.start(Runtime.AWS_CLIENT, dynamoDb, name + "-aws-client", Map.of())) {
            loop.awaitFirstNext();
            aws.awaitFirstNext();
            Map<LambdaFunction, JvmProbe> probes = new LinkedHashMap<>();
            Map<LambdaFunction, Long> allocatedBefore = new LinkedHashMap<>(), mainBefore = new LinkedHashMap<>();
            Map<LambdaFunction, Double> cpuBefore = new LinkedHashMap<>();
            int id = 0;
            try {
                for (int round = 0; round < warmup + requests; round++) {
                    int i = round - warmup;
                    if (i == 0) { // the warm-up is over: look into both JVMs, from here on
                        for (LambdaFunction f : List.of(loop, aws)) probes.put(f, attachQuietly(f, allocation));
                        if (jfr) {
                            for (var e : probes.entrySet()) if (e.getValue() != null) e.getValue().startRecording("relay-bench");
                        }
                        for (LambdaFunction f : List.of(loop, aws)) cpuBefore.put(f, JvmProbe.cpuSeconds(f.pid()));
                        for (var e : probes.entrySet()) {
                            if (e.getValue() == null) continue;
                            mainBefore.put(e.getKey(), e.getValue().mainThreadAllocatedBytes());
                            allocatedBefore.put(e.getKey(), e.getValue().allocatedBytes());
                        }
                    }
                    for (int k = 0; k < targets.size(); k++) {
                        String target = targets.get((round + k) % targets.size());
                        long v, b, u;
                        if (target.equals("direct")) {
                            v = RelayBench.timed(http, direct, failures);
                            b = v;
                            u = 0;
                        } else {
                            LambdaFunction function = target.equals(loop.runtime().key()) ? loop : aws;
                            String requestId = name + "-" + (++id);
                            Invocation inv = function.invoke(requestId, bed.event(requestId, RelayBench.CHAT_BODY), null);
                            requireAnswer(function, inv, BUFFERED_ANSWER);
                            v = inv.clientVisibleNanos();
                            b = inv.busyNanos();
                            u = inv.untilResponseNanos();
                        }
                        if (i >= 0) {
                            visible.get(target)[i] = v;
                            busy.get(target)[i] = b;
                            untilResponse.get(target)[i] = u;
                        }
                    }
                }
                for (var e : probes.entrySet()) {
                    JvmProbe probe = e.getValue();
                    if (probe == null) continue;
                    Map<String, Object> a = new LinkedHashMap<>();
                    a.put("allocated_bytes_per_request", (probe.allocatedBytes() - allocatedBefore.get(e.getKey())) / requests);
                    a.put("main_thread_allocated_bytes_per_request", (probe.mainThreadAllocatedBytes() - mainBefore.get(e.getKey())) / requests);
                    a.put("resident_mb", RelayBench.round1(probe.residentBytes() / (1024.0 * 1024.0)));
                    double cpu = JvmProbe.cpuSeconds(e.getKey().pid()), before = cpuBefore.getOrDefault(e.getKey(), -1.0);
                    if (cpu >= 0 && before >= 0) a.put("cpu_ms_per_request", RelayBench.round3((cpu - before) * 1000 / requests));
                    allocation.put(e.getKey().runtime().key(), a);
                    if (jfr) {
                        Path file = RelayBench.repoRoot().resolve("bench/target/jfr/" + e.getKey().runtime().key() + ".jfr");
                        Files.createDirectories(file.getParent());
                        probe.stopRecording("relay-bench", file);
                        a.put("jfr", RelayBench.repoRoot().relativize(file).toString());
                    }
                }
            } finally {
                for (JvmProbe probe : probes.values()) if (probe != null) probe.close();
            }
        }
        long written = bed.logRecords() - recordsBefore;
        long expected = 2L * (warmup + requests);
        if (written != expected) {
            throw new RelayBench.BenchException("the " + name + " phase should have written " + expected
                    + " request log records, but the table gained " + written);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dynamodb", dynamoDbIs);
        out.put("requests_per_target", requests);
        out.put("warmup_per_target", warmup);
        for (String t : targets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("client_visible", RelayBench.stats(visible.get(t)));
            if (!t.equals("direct")) {
                m.put("until_response_start", RelayBench.stats(untilResponse.get(t)));
                m.put("busy_until_next", RelayBench.stats(busy.get(t)));
            }
            out.put(t, m);
        }
        out.put("added_over_direct", added(visible, "direct", targets.subList(1, targets.size())));
        Map<String, Object> vsToday = new LinkedHashMap<>();
        for (int p : List.of(50, 99)) {
            double loopUs = us(visible.get(Runtime.RELAY_LOOP.key()), p), awsUs = us(visible.get(Runtime.AWS_CLIENT.key()), p);
            vsToday.put("p" + p + "_us", RelayBench.round1(loopUs - awsUs));
            vsToday.put("p" + p + "_ratio", RelayBench.round3(loopUs / awsUs));
        }
        out.put("relay_loop_minus_aws_client", vsToday);
        out.put("allocation_and_memory", allocation);
        out.put("request_log_records_written", written);
        out.put("connection_failures_retried", failures.size());

        report.print("");
        report.print("Buffered chat through the Lambda function, %s DynamoDB (%s):", name, dynamoDbIs);
        report.print("%d requests per target interleaved, after %d warm-up each. Times in ms.", requests, warmup);
        report.print("   %-34s %9s %9s %9s   %9s   %9s %9s", "", "visible", "visible", "visible", "to resp.", "busy", "busy");
        report.print("   %-34s %9s %9s %9s   %9s   %9s %9s", "", "p50", "p90", "p99", "p50", "p50", "p99");
        for (String t : targets) {
            boolean d = t.equals("direct");
            report.print("   %-34s %9.3f %9.3f %9.3f   %9s   %9s %9s", label(t), ms(visible.get(t), 50), ms(visible.get(t), 90),
                    ms(visible.get(t), 99), d ? "" : String.format(Locale.ROOT, "%.3f", ms(untilResponse.get(t), 50)),
                    d ? "" : String.format(Locale.ROOT, "%.3f", ms(busy.get(t), 50)),
                    d ? "" : String.format(Locale.ROOT, "%.3f", ms(busy.get(t), 99)));
        }
        report.print("   (visible: event handed out -> whole response received; to resp.: -> the runtime starts its response;");
        report.print("    busy: -> the runtime asks for the next event)");
        for (String t : targets.subList(1, targets.size())) {
            report.print("   %-34s %+.3f ms p50, %+.3f ms p99", label(t) + " minus direct:",
                    ms(visible.get(t), 50) - ms(visible.get("direct"), 50), ms(visible.get(t), 99) - ms(visible.get("direct"), 99));
        }
        report.print("   %-34s %+.3f ms p50 (x%.2f), %+.3f ms p99 (x%.2f)", "Relay's loop minus AWS's client:",
                (double) vsToday.get("p50_us") / 1000, vsToday.get("p50_ratio"), (double) vsToday.get("p99_us") / 1000,
                vsToday.get("p99_ratio"));
        for (var e : allocation.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> a) {
                report.print("   %-34s %,d bytes allocated per request (all threads; %,d on the loop's thread), RSS %.1f MB, CPU %s ms per request%s",
                        label(e.getKey()) + ":", a.get("allocated_bytes_per_request"), a.get("main_thread_allocated_bytes_per_request"),
                        a.get("resident_mb"), a.containsKey("cpu_ms_per_request") ? a.get("cpu_ms_per_request") : "?", a.containsKey("jfr") ? ", JFR " + a.get("jfr") : "");
            } else {
                report.print("   %-34s %s", label(e.getKey()) + ":", e.getValue());
            }
        }
        report.print("   Request log records written: %d (every invocation's)", written);
        report.print("");
        return out;
    }

    private static JvmProbe attachQuietly(LambdaFunction function, Map<String, Object> notes) {
        try {
            return JvmProbe.attach(function.pid());
        } catch (IOException | RuntimeException e) {
            notes.put(function.runtime().key(), "no allocation figure: " + e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------- lambda-cold

    static Map<String, Object> cold(Testbed bed, Options o, Report report) throws Exception {
        report.print("... cold start: %d fresh JVMs per runtime, interleaved, the packaged %s", o.runs(), RelayBench.PROXY_JAR);
        long recordsBefore = bed.logRecords();
        List<Runtime> runtimes = Runtime.COMPARED;
        Map<Runtime, List<Map<String, Object>>> samples = new LinkedHashMap<>();
        for (Runtime r : runtimes) samples.put(r, new ArrayList<>());
        for (int run = 1; run <= o.runs(); run++) {
            List<Runtime> order = run % 2 == 1 ? List.of(Runtime.RELAY_LOOP, Runtime.AWS_CLIENT) : List.of(Runtime.AWS_CLIENT, Runtime.RELAY_LOOP);
            for (Runtime r : order) {
                String requestId = "cold-" + r.key() + "-" + run;
                try (LambdaFunction f = bed.start(r, bed.dynamoDb.endpoint(), "cold-" + r.key() + "-" + run, Map.of(), List.of(),
                        requestId, bed.event(requestId, RelayBench.CHAT_BODY))) {
                    long firstNext = f.awaitFirstNext();
                    Invocation inv = f.awaitQueued(requestId, null);
                    requireAnswer(f, inv, BUFFERED_ANSWER);
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("run", run);
                    s.put("init_ms", RelayBench.round1((firstNext - f.spawnNanos()) / 1e6));
                    s.put("first_invocation_ms", RelayBench.round1(inv.clientVisibleNanos() / 1e6));
                    s.put("first_invocation_busy_ms", RelayBench.round1(inv.busyNanos() / 1e6));
                    s.put("spawn_to_first_answer_ms", RelayBench.round1((inv.end() - f.spawnNanos()) / 1e6));
                    samples.get(r).add(s);
                }
            }
        }
        long written = bed.logRecords() - recordsBefore;
        if (written != 2L * o.runs()) {
            throw new RelayBench.BenchException("the cold runs should have written " + 2 * o.runs() + " request log records, not " + written);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "fresh JVMs (the managed runtime's JVM options), the packaged function; init = process spawn to the runtime's "
                + "first GET next at the simulator; first invocation = the event handed out to the whole response received; "
                + "busy = to the next GET next (Relay's loop writes the log in between); the event is queued before the JVM starts");
        out.put("runs_per_runtime", o.runs());
        out.put("proxy_jar_bytes", Files.size(bed.proxyJar));
        String[] fields = {"init_ms", "first_invocation_ms", "first_invocation_busy_ms", "spawn_to_first_answer_ms"};
        for (Runtime r : runtimes) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String field : fields) m.put("median_" + field, RelayBench.median(samples.get(r), s -> (double) s.get(field)));
            m.put("samples", samples.get(r));
            out.put(r.key(), m);
        }
        @SuppressWarnings("unchecked") Map<String, Object> loop = (Map<String, Object>) out.get(Runtime.RELAY_LOOP.key());
        @SuppressWarnings("unchecked") Map<String, Object> aws = (Map<String, Object>) out.get(Runtime.AWS_CLIENT.key());

        report.print("");
        report.print("Cold start of the packaged function (%.1f MB), median of %d fresh JVMs per runtime, interleaved.",
                Files.size(bed.proxyJar) / 1e6, o.runs());
        report.print("Times in ms, the simulator's clock; not Lambda: no SnapStart, no Lambda CDS archive, this machine's CPU.");
        report.print("   %-46s %12s %12s %14s", "", "Relay loop", "AWS client", "loop - client");
        String[][] rows = {
                {"init: spawn -> first GET next", "init_ms"},
                {"first invocation: event -> whole response", "first_invocation_ms"},
                {"first invocation: event -> next GET next", "first_invocation_busy_ms"},
                {"spawn -> first answer received", "spawn_to_first_answer_ms"}};
        for (String[] row : rows) {
            double l = (double) loop.get("median_" + row[1]), a = (double) aws.get("median_" + row[1]);
            report.print("   %-46s %12.1f %12.1f %+14.1f (x%.2f)", row[0], l, a, l - a, l / a);
        }
        for (Runtime r : runtimes) {
            report.print("   %s, each run's spawn -> first answer: %s", r.label,
                    String.join(", ", samples.get(r).stream().map(s -> String.format(Locale.ROOT, "%.0f", (double) s.get("spawn_to_first_answer_ms"))).toList()));
        }
        report.print("");
        return out;
    }

    // ---------------------------------------------------------------- lambda-restore

    static Map<String, Object> restore(Testbed bed, Options o, Report report) throws Exception {
        report.print("... simulated SnapStart restore: %d fresh JVMs per runtime under AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, "
                + "%d invocations each", o.runs(), o.invocations());
        List<Runtime> runtimes = Runtime.COMPARED;
        Map<Runtime, List<Map<String, Object>>> samples = new LinkedHashMap<>();
        Map<String, Object> classLoads = new LinkedHashMap<>();
        for (Runtime r : runtimes) samples.put(r, new ArrayList<>());
        for (int run = 1; run <= o.runs(); run++) {
            List<Runtime> order = new ArrayList<>(runtimes);
            java.util.Collections.rotate(order, run - 1); // each run starts with another runtime
            for (Runtime r : order) {
                String name = "restore-" + r.key() + "-" + run;
                Path classLog = o.classLog() && run == 1 ? bed.work.resolve(name + "-classes.log") : null;
                List<String> jvm = classLog == null ? List.of() : List.of("-Xlog:class+load=info:file=" + classLog + ":timenanos");
                try (LambdaFunction f = bed.start(r, bed.dynamoDb.endpoint(), name,
                        Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"), jvm, null, null)) {
                    long restoreNext = f.awaitRestoreNext();
                    long firstNext = f.awaitFirstNext();
                    long[] visible = new long[o.invocations()];
                    Invocation first = null;
                    for (int i = 0; i < o.invocations(); i++) {
                        String requestId = "restore-" + r.key() + "-" + run + "-" + i;
                        Invocation inv = f.invoke(requestId, bed.event(requestId, RelayBench.CHAT_BODY), null);
                        requireAnswer(f, inv, BUFFERED_ANSWER);
                        visible[i] = inv.clientVisibleNanos();
                        if (i == 0) first = inv;
                    }
                    if (classLog != null) {
                        Map<String, Object> summary = ClassLoads.read(classLog, restoreNext, first).summary();
                        Path kept = bed.repoRoot.resolve("bench/target/lambda-restore-classes/" + r.key() + ".log");
                        Files.createDirectories(kept.getParent());
                        Files.writeString(kept, "# marks (System.nanoTime): restore_next=" + restoreNext + " first_event=" + first.answered()
                                + " first_response_start=" + first.responseStart() + " first_end=" + first.end()
                                + " first_next_asked=" + first.nextAsked() + "\n" + Files.readString(classLog));
                        summary.put("log", bed.repoRoot.relativize(kept).toString());
                        classLoads.put(r.key(), summary);
                    }
                    long[] steady = Arrays.copyOfRange(visible, o.invocations() / 2, o.invocations());
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("run", run);
                    s.put("init_and_priming_ms", RelayBench.round1((restoreNext - f.spawnNanos()) / 1e6));
                    s.put("restore_to_first_next_ms", RelayBench.round1((firstNext - restoreNext) / 1e6));
                    s.put("first_invocation_ms", RelayBench.round3(visible[0] / 1e6));
                    s.put("second_invocation_ms", RelayBench.round3(visible[1] / 1e6));
                    s.put("steady_median_ms", RelayBench.round3(RelayBench.percentileOf(steady, 50) / 1e6));
                    s.put("first_minus_steady_ms", RelayBench.round3((visible[0] - RelayBench.percentileOf(steady, 50)) / 1e6));
                    samples.get(r).add(s);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "a fresh JVM per run under AWS_LAMBDA_INITIALIZATION_TYPE=snap-start: init and priming until GET restore/next "
                + "(where Lambda would take the snapshot), which the simulator answers at once, so the 'restored' function is the "
                + "same process: what priming leaves for the first invocation (classes not loaded, code not compiled, connections "
                + "not open) shows; what a real restore adds (memory paged in from the snapshot, new network) does not. "
                + "first invocation = event handed out to whole response; steady = median of the last half of the invocations");
        out.put("runs_per_runtime", o.runs());
        out.put("invocations_per_run", o.invocations());
        String[] fields = {"init_and_priming_ms", "restore_to_first_next_ms", "first_invocation_ms", "second_invocation_ms",
                "steady_median_ms", "first_minus_steady_ms"};
        for (Runtime r : runtimes) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String field : fields) m.put("median_" + field, RelayBench.median(samples.get(r), s -> (double) s.get(field)));
            m.put("samples", samples.get(r));
            out.put(r.key(), m);
        }
        report.print("");
        report.print("First invocation after a simulated SnapStart restore (priming, then restore/next answered at once, same JVM),");
        report.print("median of %d fresh JVMs per runtime, interleaved; steady = median of invocations %d-%d. Times in ms.",
                o.runs(), o.invocations() / 2 + 1, o.invocations());
        report.print("   %-44s %12s %12s", "", "Relay loop", "AWS client");
        String[][] rows = {
                {"init + priming: spawn -> restore/next", "init_and_priming_ms"},
                {"restore/next -> first GET next", "restore_to_first_next_ms"},
                {"first invocation after restore", "first_invocation_ms"},
                {"second invocation", "second_invocation_ms"},
                {"steady state (median)", "steady_median_ms"},
                {"first minus steady", "first_minus_steady_ms"}};
        for (String[] row : rows) {
            report.print("   %-44s %12.3f %12.3f", row[0], ((Map<?, ?>) out.get(Runtime.RELAY_LOOP.key())).get("median_" + row[1]),
                    ((Map<?, ?>) out.get(Runtime.AWS_CLIENT.key())).get("median_" + row[1]));
        }
        if (!classLoads.isEmpty()) {
            out.put("class_loads_first_run", classLoads);
            report.print("   Classes loaded (first run, -Xlog:class+load, which slows loading a little):");
            for (var e : classLoads.entrySet()) {
                Map<?, ?> c = (Map<?, ?>) e.getValue();
                report.print("   %s: init+priming %s, restore->event %s, FIRST INVOCATION %s, after its answer until next %s, "
                        + "the %d invocations after %s", label(e.getKey()), c.get("init_and_priming"), c.get("restore_to_first_event"),
                        c.get("first_invocation"), c.get("first_answer_to_next"), o.invocations() - 1, c.get("later"));
                report.print("      first invocation's, by origin: %s", c.get("first_invocation_by_origin"));
            }
        }
        report.print("");
        return out;
    }

    /** The classes a function loaded, from {@code -Xlog:class+load::timenanos}, split at the simulator's marks (same clock). */
    record ClassLoads(List<Long> times, List<String> names, long restoreNext, Invocation first) {
        static ClassLoads read(Path log, long restoreNext, Invocation first) throws IOException {
            List<Long> times = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int close = line.indexOf("ns]");
                if (!line.startsWith("[") || close < 0) continue;
                String rest = line.substring(close + 3).strip();
                int space = rest.indexOf(' ');
                times.add(Long.parseLong(line.substring(1, close)));
                names.add(space < 0 ? rest : rest.substring(0, space));
            }
            return new ClassLoads(times, names, restoreNext, first);
        }

        long count(long after, long until) {
            return times.stream().filter(t -> t > after && t <= until).count();
        }

        Map<String, Object> summary() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("init_and_priming", count(Long.MIN_VALUE, restoreNext));
            out.put("restore_to_first_event", count(restoreNext, first.answered()));
            out.put("first_invocation", count(first.answered(), first.end()));
            out.put("first_answer_to_next", count(first.end(), first.nextAsked()));
            out.put("later", count(first.nextAsked(), Long.MAX_VALUE));
            Map<String, Long> byOrigin = new java.util.TreeMap<>();
            for (int i = 0; i < times.size(); i++) {
                if (times.get(i) > first.answered() && times.get(i) <= first.end()) byOrigin.merge(origin(names.get(i)), 1L, Long::sum);
            }
            Map<String, Long> sorted = new LinkedHashMap<>();
            byOrigin.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.put("first_invocation_by_origin", sorted);
            return out;
        }

        static String origin(String className) {
            String[][] origins = {
                    {"software.amazon.awssdk.services.secretsmanager.", "AWS SDK Secrets Manager"},
                    {"software.amazon.awssdk.services.dynamodb.", "AWS SDK DynamoDB"},
                    {"software.amazon.awssdk.", "AWS SDK core (pipeline, auth, signer, endpoints, http)"},
                    {"jdk.internal.net.http.", "JDK HttpClient"}, {"java.net.http.", "JDK HttpClient"},
                    {"com.fasterxml.jackson.", "Jackson"}, {"relay.", "Relay"}, {"com.amazonaws.", "AWS Lambda libraries"},
                    {"java.lang.invoke.", "JDK method handles and lambda forms"},
                    {"java.", "JDK other"}, {"jdk.", "JDK other"}, {"sun.", "JDK other"}, {"javax.", "JDK other"}};
            for (String[] o : origins) if (className.startsWith(o[0])) return o[1];
            int dot = className.indexOf('.', className.indexOf('.') + 1);
            return dot < 0 ? className : className.substring(0, dot);
        }
    }

    // ---------------------------------------------------------------- shared

    /** The answer must be a 200 holding {@code text}: Relay's loop streams a prelude, AWS's client posts one JSON document. */
    static void requireAnswer(LambdaFunction function, Invocation inv, String text) {
        String body = inv.response().bodyText();
        if (!body.startsWith("{\"statusCode\":200") || !body.contains(text)) {
            throw new RelayBench.BenchException(function.runtime().label + " answered " + inv.requestId() + " with "
                    + RelayBench.head(body) + "\nIts output:\n" + function.tail());
        }
    }

    /** Each subject's percentile minus the baseline's, and their ratio, at p50 and p99. */
    static Map<String, Object> added(Map<String, long[]> nanos, String baseline, List<String> subjects) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String s : subjects) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int p : List.of(50, 99)) {
                double b = us(nanos.get(baseline), p), v = us(nanos.get(s), p);
                m.put("p" + p + "_us", RelayBench.round1(v - b));
                m.put("p" + p + "_ratio", RelayBench.round3(v / b));
            }
            out.put(s, m);
        }
        return out;
    }

    static double us(long[] nanos, int percentile) {
        return RelayBench.percentileOf(nanos, percentile) / 1000.0;
    }

    static double ms(long[] nanos, int percentile) {
        return RelayBench.percentileOf(nanos, percentile) / 1e6;
    }

    static String label(String target) {
        for (Runtime r : Runtime.values()) if (r.key().equals(target)) return "through " + r.label;
        return target.equals("direct") ? "direct to the upstream" : target;
    }

    /** Prints as it goes, so a long run shows progress. */
    static final class Report {
        void print(String format, Object... args) {
            System.out.println(String.format(Locale.ROOT, format, args));
        }
    }

    /**
     * What every Lambda bench runs against, on loopback: the fake OpenAI upstream, the embedded DynamoDB
     * with the request-log table, a fake Secrets Manager holding the keys, a config file naming the
     * upstream, and the function's environment as the SAM template sets it (plus the endpoint overrides).
     */
    static final class Testbed implements AutoCloseable {
        final Path repoRoot;
        final Path proxyJar;
        final List<Path> runtimeClientJars;
        final Path work;
        final FakeOpenAi upstream;
        final EmbeddedDynamoDb dynamoDb;
        final FakeSecretsManager secrets;
        final DynamoDbClient dynamo;
        final Path config;
        final List<String> jvmOptions;
        private final ObjectNode eventTemplate;

        private Testbed(Path repoRoot, Path proxyJar, List<Path> runtimeClientJars, Path work, FakeOpenAi upstream,
                        EmbeddedDynamoDb dynamoDb, FakeSecretsManager secrets, DynamoDbClient dynamo, Path config,
                        List<String> jvmOptions, ObjectNode eventTemplate) {
            this.jvmOptions = jvmOptions;
            this.repoRoot = repoRoot;
            this.proxyJar = proxyJar;
            this.runtimeClientJars = runtimeClientJars;
            this.work = work;
            this.upstream = upstream;
            this.dynamoDb = dynamoDb;
            this.secrets = secrets;
            this.dynamo = dynamo;
            this.config = config;
            this.eventTemplate = eventTemplate;
        }

        static Testbed start(List<String> jvmOptions) throws IOException {
            Path repoRoot = RelayBench.repoRoot();
            Path proxyJar = repoRoot.resolve(RelayBench.PROXY_JAR);
            if (!Files.isRegularFile(proxyJar)) {
                throw new RelayBench.BenchException("the Lambda benches run the packaged function " + proxyJar
                        + ", which is missing. Build it with: ./dev mvn -q -pl functions/proxy -am package -DskipTests");
            }
            Path clientDir = repoRoot.resolve(RUNTIME_CLIENT_DIR);
            List<Path> clientJars;
            try (Stream<Path> jars = Files.isDirectory(clientDir) ? Files.list(clientDir) : Stream.empty()) {
                clientJars = jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            }
            if (clientJars.stream().noneMatch(p -> p.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))) {
                throw new RelayBench.BenchException("AWS's runtime interface client is missing from " + clientDir
                        + ". Build the bench with: ./dev mvn -q -pl bench -am package -DskipTests -Pbench");
            }
            ObjectNode template = (ObjectNode) relay.core.Json.MAPPER.readTree(repoRoot.resolve(EVENT_TEMPLATE).toFile());
            Path work = Files.createTempDirectory("relay-lambda-bench");
            FakeOpenAi upstream = FakeOpenAi.start();
            EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
            FakeSecretsManager secrets = FakeSecretsManager.start();
            DynamoDbClient dynamo = AwsClients.dynamoDb(Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")), dynamoDb.endpoint());
            RelayBench.requireLoopback(URI.create(upstream.baseUrl()));
            RelayBench.requireLoopback(dynamoDb.endpoint());
            RelayBench.requireLoopback(secrets.endpoint());
            dynamo.createTable(RequestLogTable.createRequest(LOG_TABLE));
            dynamo.updateTimeToLive(RequestLogTable.timeToLiveRequest(LOG_TABLE));
            secrets.put(RelayBench.SECRET_NAME, JSON.writeValueAsString(Map.of("RELAY_MASTER_KEY", RelayBench.MASTER_KEY,
                    "OPENAI_API_KEY", RelayBench.OPENAI_KEY)));
            Path config = work.resolve("config.yaml");
            Files.writeString(config, RelayBench.config(upstream.baseUrl()));
            return new Testbed(repoRoot, proxyJar, clientJars, work, upstream, dynamoDb, secrets, dynamo, config, jvmOptions, template);
        }

        /** The function's environment, as the template sets it, with the stand-ins' endpoints. */
        Map<String, String> env(URI dynamoDbEndpoint) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("RELAY_SECRET_ARN", secrets.arn(RelayBench.SECRET_NAME));
            env.put("RELAY_REQUEST_LOG_TABLE", LOG_TABLE);
            env.put("RELAY_CONFIG_PATH", config.toString());
            env.put("RELAY_DYNAMODB_ENDPOINT", dynamoDbEndpoint.toString());
            env.put("RELAY_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "bench");
            env.put("AWS_SECRET_ACCESS_KEY", "bench");
            return env;
        }

        LambdaFunction start(Runtime runtime, URI dynamoDbEndpoint, String name, Map<String, String> extraEnv) throws IOException {
            return start(runtime, dynamoDbEndpoint, name, extraEnv, List.of(), null, null);
        }

        LambdaFunction start(Runtime runtime, URI dynamoDbEndpoint, String name, Map<String, String> extraEnv,
                             List<String> extraJvmOptions, String firstRequestId, byte[] firstEvent) throws IOException {
            Map<String, String> env = env(dynamoDbEndpoint);
            env.putAll(extraEnv);
            List<String> options = new ArrayList<>(jvmOptions);
            options.addAll(extraJvmOptions);
            return LambdaFunction.start(runtime, proxyJar, runtimeClientJars, options, env, work, name, firstRequestId, firstEvent);
        }

        /** API Gateway's REST API event (events/chat-completions.json) for a POST of {@code body}, with the master key and its own request id. */
        byte[] event(String requestId, String body) {
            ObjectNode event = eventTemplate.deepCopy();
            String length = Integer.toString(body.getBytes(StandardCharsets.UTF_8).length);
            String authorization = "Bearer " + RelayBench.MASTER_KEY;
            ((ObjectNode) event.path("headers")).put("authorization", authorization).put("content-length", length);
            ObjectNode multi = (ObjectNode) event.path("multiValueHeaders");
            multi.putArray("authorization").add(authorization);
            multi.putArray("content-length").add(length);
            ((ObjectNode) event.path("requestContext")).put("requestId", requestId);
            event.put("body", body);
            return relay.core.Json.writeBytes(event);
        }

        /** The request-log table's item count. */
        long logRecords() {
            return dynamo.scanPaginator(b -> b.tableName(LOG_TABLE).select(Select.COUNT)).stream()
                    .mapToLong(ScanResponse::count).sum();
        }

        @Override
        public void close() {
            dynamo.close();
            secrets.close();
            dynamoDb.close();
            upstream.close();
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                // a temp directory
            }
        }
    }
}
