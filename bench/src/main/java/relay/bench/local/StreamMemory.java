package relay.bench.local;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import relay.bench.Flags;
import relay.bench.JvmProbe;
import relay.bench.RelayBench;
import relay.bench.RelayBench.BenchException;
import relay.testing.GatedOpenAiStream;

/**
 * The local server's memory (its JVM, started as a user starts it): resident set at steady state after a
 * warm-up of whole chats, then with {@code --streams} streams open at once (each has its first chunk; the
 * upstream holds the rest until all are open), then after they end. Usage:
 * {@code ./dev bench local-memory [--streams N] [--warmup N]}.
 */
public final class StreamMemory {
    private static final Duration WAIT = Duration.ofSeconds(120);

    private StreamMemory() {}

    public static void main(String[] args) throws Exception {
        int streams = 50, warmup = 3000;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--streams" -> streams = Flags.positive(flag, Flags.value(args, ++i, flag));
                case "--warmup" -> warmup = Flags.nonNegative(flag, Flags.value(args, ++i, flag));
                default -> throw new BenchException("unknown option " + flag + "; usage: local-memory [--streams N] [--warmup N]");
            }
        }
        if (streams > 1000) throw new BenchException("--streams is at most 1000");
        Path root = RelayBench.repoRoot();
        Path jar = root.resolve(LocalBench.LOCAL_JAR);
        if (!Files.isRegularFile(jar)) throw new BenchException(jar + " is missing; ./dev bench builds it");
        CountDownLatch release = new CountDownLatch(1);
        // each stream's first piece goes out at once; the second waits until every stream is open
        try (MiniUpstream whole = MiniUpstream.start();
             GatedOpenAiStream gated = GatedOpenAiStream.start(List.of("first ", "rest"), piece -> {
                 if (!release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) throw new IllegalStateException("never released");
             })) {
            Path work = Files.createTempDirectory("relay-bench-memory");
            Path config = work.resolve("config.yaml");
            Files.writeString(config, config(whole.baseUrl(), gated.baseUrl()));
            try (Child relay = new LocalBench.RelayJvm(work, config, List.of()).start("relay", jar, List.of())) {
                long pid = relay.pid();
                Target target = LocalBench.RelayJvm.target("relay", relay);
                try (Connection connection = new Connection(target, WAIT)) {
                    for (int i = 0; i < warmup; i++) {
                        Connection.Answer answer = connection.send();
                        if (answer.status() != 200) throw new BenchException("warm-up chat answered " + answer.status() + ": " + answer.errorBody());
                    }
                }
                Thread.sleep(1000);
                long steady = JvmProbe.memory(pid, "VmRSS");
                long open = openStreams(pid, target.port(), streams, release);
                long peak = JvmProbe.memory(pid, "VmHWM");
                Thread.sleep(1000);
                long after = JvmProbe.memory(pid, "VmRSS");
                var machine = RelayBench.machine();
                System.out.printf(Locale.ROOT, "Relay's local server (%s, default JVM options): %s cores, Java %s, load average %s%n",
                        jar.getFileName(), machine.get("cores"), machine.get("java_version"), machine.get("load_average_1min_at_start"));
                System.out.printf(Locale.ROOT, "  resident, steady state after %d whole chats:   %7.1f MB%n", warmup, mb(steady));
                System.out.printf(Locale.ROOT, "  resident, %d streams open at once:             %7.1f MB (%+.1f MB, %.0f KB a stream)%n",
                        streams, mb(open), mb(open - steady), (open - steady) / 1024.0 / streams);
                System.out.printf(Locale.ROOT, "  resident after they ended: %.1f MB; peak of the process: %.1f MB%n", mb(after), mb(peak));
            }
        }
        System.exit(0);
    }

    /** The bench's whole chats go to {@code gpt-4o}, the held streams to {@code gated}. */
    private static String config(String wholeBaseUrl, String gatedBaseUrl) {
        return """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: gated
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """.formatted(wholeBaseUrl, gatedBaseUrl);
    }

    /** Opens {@code n} streams, reads RSS once each has its first chunk, then lets them end; returns that RSS. */
    private static long openStreams(long pid, int port, int n, CountDownLatch release) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("authorization", "Bearer " + LocalBench.MASTER_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gated\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        CountDownLatch started = new CountDownLatch(n);
        List<Future<String>> ends = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                ends.add(threads.submit(() -> {
                    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                    StringBuilder seen = new StringBuilder();
                    try (InputStream body = response.body()) {
                        byte[] buffer = new byte[8192];
                        boolean first = false;
                        for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                            seen.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                            if (!first && seen.indexOf("first ") >= 0) {
                                first = true;
                                started.countDown();
                            }
                        }
                    }
                    return seen.toString();
                }));
            }
            if (!started.await(WAIT.toSeconds(), TimeUnit.SECONDS)) throw new BenchException("not every stream started");
            long open = JvmProbe.memory(pid, "VmRSS");
            release.countDown();
            for (Future<String> end : ends) {
                if (!end.get(WAIT.toSeconds(), TimeUnit.SECONDS).contains("[DONE]")) throw new BenchException("a stream did not end with [DONE]");
            }
            return open;
        }
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
