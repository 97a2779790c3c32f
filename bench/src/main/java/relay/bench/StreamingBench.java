package relay.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.local.LocalServer;
import relay.testing.FakeOpenAi;

/**
 * Time to first chunk of a streamed chat, directly from a fake upstream and through Relay's local server,
 * in one run, interleaved: the upstream writes each chunk {@code --gap} ms after the last, as a provider
 * does, so a gateway that buffers shows the whole stream's time before its first chunk, and one that
 * streams shows only its own cost. Usage: {@code ./dev bench streaming [--requests N] [--chunks C] [--gap MS]}.
 */
public final class StreamingBench {
    /** The streamed chat both ways (the fake upstream needs no key). */
    static final String STREAM_BODY = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private StreamingBench() {}

    /** One streamed request as the client saw it: until its first content chunk, and until its end. */
    record Timing(long firstChunkNanos, long totalNanos) {}

    public static void main(String[] args) throws Exception {
        int requests = 200, chunks = 6, gapMillis = 50, warmup = 100;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--chunks" -> chunks = Integer.parseInt(args[++i]);
                case "--gap" -> gapMillis = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: streaming [--requests N] [--chunks C] [--gap MS] [--warmup N]");
            }
        }
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce();
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            RelayConfig config = RelayConfig.parse("""
                    model_list:
                      - model_name: gpt-4o
                        litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                    """.formatted(upstream.baseUrl()));
            LocalServer relay = LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1"), config,
                    new EnvironmentKeyStore(Map.of("OPENAI_API_KEY", "sk-bench")));
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI direct = URI.create(upstream.baseUrl() + "/chat/completions");
                URI through = URI.create(relay.url() + "/v1/chat/completions");
                var paced = new FakeOpenAi.Reply.Paced(chunks, Duration.ofMillis(gapMillis));
                for (int i = 0; i < warmup; i++) {
                    upstream.enqueue(new FakeOpenAi.Reply.Paced(2, Duration.ZERO), new FakeOpenAi.Reply.Paced(2, Duration.ZERO));
                    stream(http, direct);
                    stream(http, through);
                }
                List<Timing> directTimings = new ArrayList<>(), relayTimings = new ArrayList<>();
                for (int i = 0; i < requests; i++) {
                    upstream.enqueue(paced, paced);
                    directTimings.add(stream(http, direct));
                    relayTimings.add(stream(http, through));
                }
                report(requests, chunks, gapMillis, directTimings, relayTimings);
            } finally {
                relay.close();
            }
        }
        System.exit(0); // the embedded servers' threads would keep the JVM alive
    }

    static Timing stream(HttpClient http, URI uri) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_BODY))
                .build();
        long start = System.nanoTime();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long first = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (first < 0 && line.startsWith("data: ") && line.contains("\"content\":\"w0 ")) first = System.nanoTime() - start;
            }
        }
        if (response.statusCode() != 200 || first < 0) throw new IllegalStateException("stream failed: " + response.statusCode());
        return new Timing(first, System.nanoTime() - start);
    }

    static void report(int requests, int chunks, int gapMillis, List<Timing> direct, List<Timing> relay) {
        System.out.printf(Locale.ROOT, "Streamed chat, %d requests each way, %d chunks %d ms apart (local server, loopback)%n",
                requests, chunks, gapMillis);
        System.out.printf(Locale.ROOT, "%-28s %10s %10s %12s%n", "", "p50 (ms)", "p99 (ms)", "total p50");
        row("first chunk, direct", direct);
        row("first chunk, through Relay", relay);
        double[] d = firsts(direct), r = firsts(relay);
        System.out.printf(Locale.ROOT, "added to the first chunk: p50 %.2f ms, p99 %.2f ms; total p50 ratio Relay/direct %.3f%n",
                pct(r, 50) - pct(d, 50), pct(r, 99) - pct(d, 99), pct(totals(relay), 50) / pct(totals(direct), 50));
    }

    private static void row(String label, List<Timing> timings) {
        System.out.printf(Locale.ROOT, "%-28s %10.2f %10.2f %12.1f%n", label, pct(firsts(timings), 50), pct(firsts(timings), 99),
                pct(totals(timings), 50));
    }

    static double[] firsts(List<Timing> timings) {
        return timings.stream().mapToDouble(t -> t.firstChunkNanos() / 1e6).toArray();
    }

    static double[] totals(List<Timing> timings) {
        return timings.stream().mapToDouble(t -> t.totalNanos() / 1e6).toArray();
    }

    static double pct(double[] values, int percentile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }
}
