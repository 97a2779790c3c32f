package relay.bench.local;


import relay.bench.Flags;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import relay.bench.JvmProbe;
import relay.bench.RelayBench;
import relay.bench.RelayBench.BenchException;

/**
 * Relay's local server as a user runs it ({@code java -jar local/target/relay-local.jar}, a JVM of its own,
 * request log in its embedded DynamoDB) against Portkey's open-source gateway (from npm, on Node) and against
 * no gateway at all, in one run, all forwarding the same small chat to one fast fake upstream on loopback:
 * <ol>
 *   <li>added time at one connection (p50, p99), the targets interleaved request by request;</li>
 *   <li>throughput at {@code C} connections, the targets in turn, each for a few rounds;</li>
 *   <li>warm-up: fresh Relay JVMs, the first requests' average against the same JVM's steady state, plain and with
 *       the JVM's start-up aids (an AppCDS archive, a JDK 24+ AOT cache), each made by a training run.</li>
 * </ol>
 * The client is this JVM: one kept-alive connection per client thread ({@link Connection}), cheap per request.
 */
public final class LocalBench {
    static final String MASTER_KEY = "sk-relay-bench-master-key";
    static final String OPENAI_KEY = "sk-bench-fake-openai-key";
    static final String LOCAL_JAR = "local/target/relay-local.jar";
    static final String PORTKEY_VERSION = "1.15.2";
    static final String PORTKEY_DIR = "bench/target/portkey";
    static final String ARTIFACTS_DIR = "bench/target/local-bench";
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration LOAD_WARMUP = Duration.ofSeconds(2);
    /** Writing an AOT cache at exit runs a second JVM over the training's record: give it time. */
    static final Duration TRAINING_EXIT_GRACE = Duration.ofSeconds(300);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LocalBench() {}

    /** The command line. */
    record Options(int requests, int warmup, int connections, int seconds, int rounds, int runs, int first,
                   int steadySeconds, int steadyRequests, boolean portkey, boolean overhead, boolean warmupPart,
                   List<String> variants, boolean jfr, Path baselineJar, List<String> jvmOptions, Path output) {

        static final List<String> VARIANTS = List.of("plain", "appcds", "aot");

        static final String USAGE = """
                usage: ./dev bench local [--requests N] [--warmup N] [--connections C] [--seconds D] [--rounds R]
                                         [--runs K] [--first N] [--steady-seconds S] [--variants plain,appcds,aot]
                                         [--no-portkey] [--only-overhead | --only-warmup] [--jfr]
                                         [--baseline-jar FILE] [--jvm-option OPT]... [--output FILE]
                  --requests N        measured requests per target at one connection; default 5000
                  --warmup N          warm-up requests per target before those; default 10000 (the steady state:
                                      after 2,000 the server's JIT is still compiling, see bench/README.md)
                  --connections C     connections (client threads) for throughput; default 10
                  --seconds D         seconds per target per round of throughput; default 5
                  --rounds R          rounds of throughput (the targets in turn in each); default 3
                  --runs K            fresh Relay JVMs per warm-up variant; default 3
                  --first N           requests timed from a fresh JVM's start; default 1000
                  --steady-seconds S  seconds of load before the steady state is timed (2,000 requests); default 20
                  --variants LIST     warm-up variants: plain, appcds (-XX:SharedArchiveFile), aot (-XX:AOTCache); default all
                  --no-portkey        leave Portkey out (no npm install)
                  --only-overhead     skip the warm-up part;  --only-warmup  skip the overhead part
                  --jfr               record Relay with JFR (profile settings) during its throughput rounds:
                                      bench/target/local-bench/relay-local.jfr
                  --baseline-jar FILE another build of relay-local.jar, measured alongside as "relay-baseline"
                  --jvm-option OPT    a JVM option for every Relay JVM (repeatable): an experiment, not a user's setting
                  --output FILE       where the JSON goes; default bench/target/local-bench.json""";

        static Options parse(String[] args) {
            int requests = 5000, warmup = 10000, connections = 10, seconds = 5, rounds = 3, runs = 3, first = 1000, steadySeconds = 20;
            boolean portkey = true, overhead = true, warmupPart = true, jfr = false;
            List<String> variants = VARIANTS;
            Path baselineJar = null;
            List<String> jvmOptions = new ArrayList<>();
            Path output = Path.of("bench", "target", "local-bench.json");
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--help", "-h" -> throw new IllegalArgumentException("help");
                    case "--requests" -> requests = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--warmup" -> warmup = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--connections" -> connections = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--seconds" -> seconds = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--rounds" -> rounds = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--runs" -> runs = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--first" -> first = Flags.positive(flag, Flags.value(args, ++i, flag));
                    case "--steady-seconds" -> steadySeconds = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                    case "--variants" -> {
                        variants = List.of(Flags.value(args, ++i, flag).split(","));
                        for (String v : variants) {
                            if (!VARIANTS.contains(v)) throw new IllegalArgumentException("unknown variant " + v + "; known: " + VARIANTS);
                        }
                    }
                    case "--no-portkey" -> portkey = false;
                    case "--only-overhead" -> warmupPart = false;
                    case "--only-warmup" -> overhead = false;
                    case "--jfr" -> jfr = true;
                    case "--baseline-jar" -> baselineJar = Path.of(Flags.value(args, ++i, flag));
                    case "--jvm-option" -> jvmOptions.add(Flags.value(args, ++i, flag));
                    case "--output" -> output = Path.of(Flags.value(args, ++i, flag));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (!overhead && !warmupPart) throw new IllegalArgumentException("--only-overhead and --only-warmup exclude each other");
            if (connections > 256) throw new IllegalArgumentException("--connections is at most 256");
            if (seconds > 600 || steadySeconds > 600) throw new IllegalArgumentException("--seconds and --steady-seconds are at most 600");
            if (runs > 20 || rounds > 20) throw new IllegalArgumentException("--runs and --rounds are at most 20");
            return new Options(requests, warmup, connections, seconds, rounds, runs, first, steadySeconds, 2000, portkey,
                    overhead, warmupPart, variants, jfr, baselineJar, List.copyOf(jvmOptions), output);
        }

    }

    public static void main(String[] args) {
        RelayBench.commandLine(args, Options::parse, Options.USAGE, LocalBench::run);
    }

    static void run(Options options) throws Exception {
        Path root = RelayBench.repoRoot();
        Path jar = root.resolve(LOCAL_JAR);
        if (!Files.isRegularFile(jar)) {
            throw new BenchException(jar + " is missing; ./dev bench builds it (or ./dev mvn -q -pl local -am package -DskipTests)");
        }
        if (options.baselineJar() != null && !Files.isRegularFile(options.baselineJar())) {
            throw new BenchException("--baseline-jar " + options.baselineJar() + " is not a file");
        }
        Path artifacts = root.resolve(ARTIFACTS_DIR);
        Files.createDirectories(artifacts);
        Instant started = Instant.now();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("bench", "local");
        results.put("started_at", started.toString());
        results.put("machine", RelayBench.machine());
        results.put("options", options.toString());
        new RelayBench.Report().header(started, results);

        try (MiniUpstream upstream = MiniUpstream.start()) {
            Path config = artifacts.resolve("config.yaml");
            Files.writeString(config, RelayBench.config(upstream.baseUrl()));
            RelayJvm relayJvm = new RelayJvm(root, config, options.jvmOptions());
            if (options.overhead()) results.put("overhead", overhead(options, root, upstream, relayJvm, jar, artifacts));
            if (options.warmupPart()) results.put("warmup", new Warmup(options, relayJvm, jar, artifacts, upstream).run());
            results.put("upstream_answered", upstream.answered());
        }
        results.put("duration_s", RelayBench.round1(Duration.between(started, Instant.now()).toMillis() / 1000.0));
        Path output = options.output().isAbsolute() ? options.output() : root.resolve(options.output());
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, JSON.writeValueAsString(results) + "\n");
        System.out.printf(Locale.ROOT, "Total bench time %.1f s. JSON results: %s%n", results.get("duration_s"), root.relativize(output));
    }

    // ---------------------------------------------------------------- the processes

    /** How the bench starts Relay's local server: as a user does, plus the JVM options a variant adds. */
    record RelayJvm(Path root, Path config, List<String> extraOptions) {
        Child start(String name, Path jar, List<String> variantOptions) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.addAll(extraOptions);
            command.addAll(variantOptions);
            command.addAll(List.of("-jar", jar.toString(), "--config", config.toString(), "--port", "0", "--host", "127.0.0.1"));
            Map<String, String> env = new LinkedHashMap<>();
            env.put("RELAY_MASTER_KEY", MASTER_KEY);
            env.put("OPENAI_API_KEY", OPENAI_KEY);
            return Child.start(name, command, root, env, line -> line.startsWith("Relay is listening on ")
                    ? line.substring("Relay is listening on ".length()).split(" ")[0] : null, START_TIMEOUT);
        }

        static Target target(String name, Child relay) {
            int port = Integer.parseInt(relay.readyValue().replaceAll(".*:", ""));
            return Target.chat(name, port, "/v1/chat/completions", Map.of("authorization", "Bearer " + MASTER_KEY));
        }
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Portkey's gateway from npm, installed once into bench/target/portkey. */
    static Child startPortkey(Path root) throws IOException, InterruptedException {
        Path dir = root.resolve(PORTKEY_DIR);
        Path packageJson = dir.resolve("node_modules/@portkey-ai/gateway/package.json");
        if (!Files.isRegularFile(packageJson) || !Files.readString(packageJson).contains("\"version\": \"" + PORTKEY_VERSION + "\"")) {
            System.out.println("... installing @portkey-ai/gateway@" + PORTKEY_VERSION + " into " + PORTKEY_DIR + " (npm)");
            Files.createDirectories(dir);
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir.toString(),
                    "@portkey-ai/gateway@" + PORTKEY_VERSION).inheritIO().start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new BenchException("npm could not install @portkey-ai/gateway@" + PORTKEY_VERSION + " (use --no-portkey to go without)");
            }
        }
        int port = freePort();
        List<String> command = List.of("node", dir.resolve("node_modules/@portkey-ai/gateway/build/start-server.js").toString(),
                "--port=" + port, "--headless");
        Child child = Child.start("portkey", command, root, Map.of(), line -> line.contains("Ready for connections") ? "" + port : null,
                START_TIMEOUT);
        return child;
    }

    static Target portkeyTarget(Child portkey, MiniUpstream upstream) {
        return Target.chat("portkey", Integer.parseInt(portkey.readyValue()), "/v1/chat/completions", Map.of(
                "authorization", "Bearer " + OPENAI_KEY,
                "x-portkey-provider", "openai",
                "x-portkey-custom-host", upstream.baseUrl()));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- 1 and 2: overhead

    static Map<String, Object> overhead(Options options, Path root, MiniUpstream upstream, RelayJvm relayJvm, Path jar, Path artifacts)
            throws Exception {
        List<Child> children = new ArrayList<>();
        try {
            List<Target> targets = new ArrayList<>();
            Map<String, Child> processes = new LinkedHashMap<>();
            targets.add(Target.chat("direct", upstream.port(), "/v1/chat/completions", Map.of("authorization", "Bearer " + OPENAI_KEY)));
            System.out.println("... starting Relay (" + LOCAL_JAR + ")");
            Child relay = relayJvm.start("relay", jar, List.of());
            children.add(relay);
            processes.put("relay", relay);
            targets.add(RelayJvm.target("relay", relay));
            if (options.baselineJar() != null) {
                Child baseline = relayJvm.start("relay-baseline", options.baselineJar(), List.of());
                children.add(baseline);
                processes.put("relay-baseline", baseline);
                targets.add(RelayJvm.target("relay-baseline", baseline));
            }
            if (options.portkey()) {
                System.out.println("... starting Portkey's gateway " + PORTKEY_VERSION + " (node " + nodeVersion() + ")");
                Child portkey = startPortkey(root);
                children.add(portkey);
                processes.put("portkey", portkey);
                targets.add(portkeyTarget(portkey, upstream));
            }
            for (Target t : targets) { // each answers before anything is timed
                try (Connection c = new Connection(t, REQUEST_TIMEOUT)) {
                    Connection.Answer a = c.send();
                    if (a.status() != 200) throw new BenchException(t.name() + " answered " + a.status() + ": " + RelayBench.head(a.errorBody()));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("latency", latency(targets, options));
            out.put("throughput", throughput(targets, processes, options, relay, artifacts));
            return out;
        } finally {
            for (Child c : children) c.close();
        }
    }

    static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return v;
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    static Map<String, Object> latency(List<Target> targets, Options options) throws IOException {
        System.out.printf(Locale.ROOT, "... 1 connection: %,d warm-up and %,d measured requests per target, interleaved%n",
                options.warmup(), options.requests());
        List<Connection> connections = targets.stream().map(t -> new Connection(t, REQUEST_TIMEOUT)).toList();
        try {
            for (int i = 0; i < options.warmup(); i++) {
                for (Connection c : connections) timed(c);
            }
            long[][] nanos = new long[targets.size()][options.requests()];
            for (int i = 0; i < options.requests(); i++) {
                for (int t = 0; t < targets.size(); t++) nanos[t][i] = timed(connections.get(t));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("what", "wall time of one small non-streaming chat, one kept-alive connection per target, one request at a "
                    + "time, targets interleaved; added = target's percentile minus direct's");
            long[] direct = nanos[0].clone();
            Arrays.sort(direct);
            System.out.println();
            System.out.println("1. One connection: wall time of a small non-streaming chat, targets interleaved request by request,");
            System.out.printf(Locale.ROOT, "   %,d requests each after %,d warm-up requests each.%n", options.requests(), options.warmup());
            System.out.printf(Locale.ROOT, "   %-16s %10s %10s %10s %14s %14s%n", "", "p50 (us)", "p90 (us)", "p99 (us)", "added p50", "added p99");
            for (int t = 0; t < targets.size(); t++) {
                long[] sorted = nanos[t].clone();
                Arrays.sort(sorted);
                Map<String, Object> s = new LinkedHashMap<>();
                double p50 = us(RelayBench.percentile(sorted, 50)), p90 = us(RelayBench.percentile(sorted, 90)),
                        p99 = us(RelayBench.percentile(sorted, 99));
                double d50 = us(RelayBench.percentile(direct, 50)), d99 = us(RelayBench.percentile(direct, 99));
                s.put("p50_us", p50);
                s.put("p90_us", p90);
                s.put("p99_us", p99);
                s.put("mean_us", RelayBench.round1(Arrays.stream(sorted).average().orElse(0) / 1000.0));
                if (t > 0) {
                    s.put("added_p50_us", RelayBench.round1(p50 - d50));
                    s.put("added_p99_us", RelayBench.round1(p99 - d99));
                }
                s.put("reconnects", connections.get(t).reconnects());
                out.put(targets.get(t).name(), s);
                System.out.printf(Locale.ROOT, "   %-16s %10.1f %10.1f %10.1f %14s %14s%n", targets.get(t).name(), p50, p90, p99,
                        t == 0 ? "" : String.format(Locale.ROOT, "%+.1f us", p50 - d50),
                        t == 0 ? "" : String.format(Locale.ROOT, "%+.1f us", p99 - d99));
            }
            System.out.println();
            return out;
        } finally {
            connections.forEach(Connection::close);
        }
    }

    static long timed(Connection c) throws IOException {
        long start = System.nanoTime();
        Connection.Answer a = c.send();
        long elapsed = System.nanoTime() - start;
        if (a.status() != 200) throw new BenchException("a request answered " + a.status() + ": " + RelayBench.head(a.errorBody()));
        return elapsed;
    }

    static double us(long nanos) {
        return RelayBench.round1(nanos / 1000.0);
    }

    /** What {@code connections} clients got from one target in one timed stretch. */
    record Load(long completed, long failed, String firstError, long elapsedNanos) {}

    /** {@code connections} client threads, each with its own kept-alive connection, for {@code duration}. */
    static Load load(Target target, int connections, Duration duration) throws InterruptedException {
        LongAdder completed = new LongAdder(), failed = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime(), deadline = start + duration.toNanos();
        try (ExecutorService clients = Executors.newFixedThreadPool(connections)) {
            for (int i = 0; i < connections; i++) {
                clients.submit(() -> {
                    try (Connection c = new Connection(target, REQUEST_TIMEOUT)) {
                        while (System.nanoTime() < deadline) {
                            try {
                                Connection.Answer a = c.send();
                                if (a.status() == 200) {
                                    completed.increment();
                                } else {
                                    failed.increment();
                                    firstError.compareAndSet(null, "HTTP " + a.status() + ": " + RelayBench.head(a.errorBody()));
                                }
                            } catch (IOException e) {
                                failed.increment();
                                firstError.compareAndSet(null, e.toString());
                            }
                        }
                    }
                });
            }
        }
        return new Load(completed.sum(), failed.sum(), firstError.get(), System.nanoTime() - start);
    }

    static Map<String, Object> throughput(List<Target> targets, Map<String, Child> processes, Options options, Child relay,
                                          Path artifacts) throws Exception {
        System.out.printf(Locale.ROOT, "... %d connections: %d rounds, each target %d s per round after %d s warm-up%n",
                options.connections(), options.rounds(), options.seconds(), LOAD_WARMUP.toSeconds());
        int n = targets.size();
        long[] completed = new long[n], failed = new long[n], elapsed = new long[n];
        double[] cpu = new double[n];
        String[] firstError = new String[n];
        Path jfr = artifacts.resolve("relay-local.jfr");
        for (int round = 0; round < options.rounds(); round++) {
            for (int t = 0; t < n; t++) {
                Target target = targets.get(t);
                Child process = processes.get(target.name());
                load(target, options.connections(), LOAD_WARMUP);
                boolean recording = options.jfr() && process == relay;
                if (recording) jcmd(relay.pid(), "JFR.start", "name=bench", "settings=profile");
                double cpuBefore = process == null ? 0 : JvmProbe.cpuSeconds(process.pid());
                Load load = load(target, options.connections(), Duration.ofSeconds(options.seconds()));
                if (process != null) cpu[t] += JvmProbe.cpuSeconds(process.pid()) - cpuBefore;
                if (recording) jcmd(relay.pid(), "JFR.stop", "name=bench", "filename=" + jfr.toString().replace(".jfr", "-" + round + ".jfr"));
                completed[t] += load.completed();
                failed[t] += load.failed();
                elapsed[t] += load.elapsedNanos();
                if (firstError[t] == null) firstError[t] = load.firstError();
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "completed 200s per second, " + options.connections() + " client threads each with a kept-alive connection, "
                + "sending the next request when the last is answered; per-request time by Little's law; gateway CPU from /proc");
        System.out.println();
        System.out.printf(Locale.ROOT, "2. %d connections: completed requests per second, %d rounds of %d s per target (targets in turn).%n",
                options.connections(), options.rounds(), options.seconds());
        System.out.printf(Locale.ROOT, "   %-16s %12s %16s %18s %8s%n", "", "req/s", "ms per request", "gateway CPU ms/req", "failed");
        double portkeyRps = Double.NaN;
        Map<String, Double> rps = new LinkedHashMap<>();
        for (int t = 0; t < n; t++) {
            double r = completed[t] / (elapsed[t] / 1e9);
            rps.put(targets.get(t).name(), r);
            if (targets.get(t).name().equals("portkey")) portkeyRps = r;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("requests_per_second", RelayBench.round1(r));
            s.put("completed", completed[t]);
            s.put("failed", failed[t]);
            if (firstError[t] != null) s.put("first_failure", firstError[t]);
            s.put("ms_per_request_littles_law", RelayBench.round3(options.connections() / r * 1000));
            double cpuMsPerRequest = processes.containsKey(targets.get(t).name()) ? cpu[t] * 1000 / completed[t] : Double.NaN;
            if (!Double.isNaN(cpuMsPerRequest)) s.put("gateway_cpu_ms_per_request", RelayBench.round3(cpuMsPerRequest));
            out.put(targets.get(t).name(), s);
            System.out.printf(Locale.ROOT, "   %-16s %,12.1f %16.3f %18s %8d%n", targets.get(t).name(), r, options.connections() / r * 1000,
                    Double.isNaN(cpuMsPerRequest) ? "" : String.format(Locale.ROOT, "%.3f", cpuMsPerRequest), failed[t]);
            if (failed[t] * 100 > completed[t] + failed[t]) {
                throw new BenchException(failed[t] + " requests to " + targets.get(t).name() + " failed (first: " + firstError[t] + ")");
            }
        }
        if (!Double.isNaN(portkeyRps)) {
            double ratio = rps.get("relay") / portkeyRps;
            out.put("relay_to_portkey_ratio", RelayBench.round3(ratio));
            System.out.printf(Locale.ROOT, "   Relay / Portkey throughput: %.2fx%n", ratio);
        }
        if (rps.containsKey("relay-baseline")) {
            double ratio = rps.get("relay") / rps.get("relay-baseline");
            out.put("relay_to_baseline_ratio", RelayBench.round3(ratio));
            System.out.printf(Locale.ROOT, "   Relay / Relay baseline throughput: %.3fx%n", ratio);
        }
        if (options.jfr()) System.out.println("   JFR recordings of Relay: " + artifacts.resolve("relay-local-<round>.jfr"));
        System.out.println();
        return out;
    }

    static void jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new BenchException("jcmd " + String.join(" ", command) + ": " + output);
    }
}
