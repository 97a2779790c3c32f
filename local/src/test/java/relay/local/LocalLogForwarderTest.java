package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.testing.FakeHelicone;
import relay.testing.FakeMixpanel;
import relay.testing.FakePostHog;
import relay.testing.FakeSentry;
import relay.testing.FakeSinkServer;
import relay.testing.FakeSupabase;

/**
 * The local server with the log forwarder polling its embedded DynamoDB's stream: requests made over
 * HTTP end up at every sink's (loopback) vendor; and the proxy's latency with the five sinks on is
 * the latency with them off.
 */
class LocalLogForwarderTest {
    static final String PROMPT = "Which river runs through Paris?";

    @TempDir
    static Path dir;
    static FakeSupabase supabase;
    static FakePostHog posthog;
    static FakeMixpanel mixpanel;
    static FakeSentry sentry;
    static FakeHelicone helicone;
    static Path configFile;
    static KeyStore keys;
    static LocalServer server;
    static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws IOException {
        supabase = FakeSupabase.start("request_logs", "sb-key");
        posthog = FakePostHog.start("phc_key");
        mixpanel = FakeMixpanel.start("mp-token");
        sentry = FakeSentry.start("5", "pub");
        helicone = FakeHelicone.start("hc-key");
        configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, """
                model_list:
                  - model_name: mock-gpt
                    litellm_params:
                      model: mock/mock-gpt
                litellm_settings:
                  success_callback: ["supabase", "posthog", "mixpanel", "helicone"]
                  failure_callback: ["supabase", "posthog", "mixpanel", "helicone", "sentry"]
                """);
        Map<String, String> env = new HashMap<>();
        env.put("SUPABASE_URL", supabase.baseUrl());
        env.put("SUPABASE_KEY", "sb-key");
        env.put("POSTHOG_API_KEY", "phc_key");
        env.put("POSTHOG_API_URL", posthog.baseUrl());
        env.put("MIXPANEL_PROJECT_TOKEN", "mp-token");
        env.put("MIXPANEL_API_URL", mixpanel.baseUrl());
        env.put("SENTRY_DSN", sentry.dsn());
        env.put("HELICONE_API_KEY", "hc-key");
        env.put("HELICONE_API_BASE", helicone.baseUrl());
        keys = new EnvironmentKeyStore(env);
        server = LocalServer.start(new LocalServer.Options(configFile, 0, null, "127.0.0.1"), RelayConfig.load(configFile), keys);
    }

    @AfterAll
    static void stop() {
        server.close();
        List.of(supabase, posthog, mixpanel, sentry, helicone).forEach(FakeSinkServer::close);
    }

    static LocalLogForwarder forwarder() {
        return LocalLogForwarder.start(server.dynamoDbEndpoint(), LocalServer.REQUEST_LOG_TABLE, configFile, keys);
    }

    static HttpResponse<String> chat(String model, String content) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"user\":\"alice\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String requestId(HttpResponse<String> response) {
        return response.headers().firstValue("x-relay-request-id").orElseThrow();
    }

    @Test
    void requestsToTheLocalServer_reachEverySink_throughTheTablesStream() throws Exception {
        try (LocalLogForwarder forwarder = forwarder()) {
            assertTrue(forwarder.running());
            HttpResponse<String> ok = chat("mock-gpt", PROMPT);
            HttpResponse<String> missing = chat("no-such-model", PROMPT);
            assertEquals(200, ok.statusCode());
            assertEquals(404, missing.statusCode());
            String okId = requestId(ok);
            String missingId = requestId(missing);

            supabase.await(r -> supabase.rows().size() >= 2, Duration.ofSeconds(30));
            sentry.await(r -> !sentry.events().isEmpty(), Duration.ofSeconds(30));
            helicone.await(r -> helicone.logs().size() >= 2, Duration.ofSeconds(30));
            posthog.await(r -> posthog.events().size() >= 2, Duration.ofSeconds(30));
            mixpanel.await(r -> mixpanel.events().size() >= 2, Duration.ofSeconds(30));

            JsonNode row = supabase.rows().stream().filter(r -> r.get("litellm_call_id").asText().equals(okId)).findFirst().orElseThrow();
            assertEquals("success", row.get("status").asText());
            assertEquals("mock-gpt", row.get("model").asText());
            JsonNode sentryEvent = sentry.events().get(0);
            assertEquals("404", sentryEvent.at("/tags/status").asText());
            assertEquals(missingId, sentryEvent.at("/extra/request_id").asText());
            assertTrue(mixpanel.events().stream().anyMatch(e -> e.at("/properties/$insert_id").asText().equals(okId)));
            assertTrue(forwarder.recordsRead() >= 2);
        }
    }

    @Test
    void afterClose_nothingMoreIsForwarded() throws Exception {
        LocalLogForwarder forwarder = forwarder();
        forwarder.close();
        int before = supabase.rows().size();

        chat("mock-gpt", "after close");
        Thread.sleep(3 * LocalLogForwarder.POLL_INTERVAL.toMillis());

        assertFalse(forwarder.running());
        assertEquals(before, supabase.rows().size());
    }

    @Test
    void withNoCallbacksConfigured_itDoesNotPoll(@TempDir Path other) throws IOException {
        Path plain = other.resolve("config.yaml");
        Files.writeString(plain, "model_list: []\n");

        try (LocalLogForwarder forwarder = LocalLogForwarder.start(server.dynamoDbEndpoint(), LocalServer.REQUEST_LOG_TABLE, plain, keys)) {
            assertFalse(forwarder.running());
        }
        try (LocalLogForwarder forwarder = LocalLogForwarder.start(server.dynamoDbEndpoint(), LocalServer.REQUEST_LOG_TABLE, null, keys)) {
            assertFalse(forwarder.running());
        }
    }

    /**
     * The proxy's latency with all five sinks on versus off, same server, same run, blocks alternated
     * (off, on, off, on, …) so drift hits both. Sinks run in another function on AWS; here they even
     * share the JVM, which makes this the pessimistic case.
     */
    @Test
    void bench_proxyLatency_withFiveSinksOn_isTheLatencyWithThemOff() throws Exception {
        int rounds = Integer.getInteger("relay.bench.rounds", 4);
        int perBlock = Integer.getInteger("relay.bench.requests", 250);
        for (int i = 0; i < 300; i++) chat("mock-gpt", "warm up " + i); // JIT, connections
        List<Long> off = new ArrayList<>();
        List<Long> on = new ArrayList<>();
        int rowsBefore = supabase.rows().size();
        for (int round = 0; round < rounds; round++) {
            off.addAll(block(perBlock, "off"));
            // records are written after the answers, from a queue: the 'off' block's must be in before the forwarder starts
            TestRelay.log(server, lastRequestId);
            try (LocalLogForwarder forwarder = forwarder()) {
                on.addAll(block(perBlock, "on"));
                int expected = rowsBefore + (round + 1) * perBlock;
                supabase.await(r -> supabase.rows().size() >= expected, Duration.ofSeconds(30));
            }
        }
        String offLine = summary("sinks off", off);
        String onLine = summary("sinks on ", on);
        System.out.println("[bench] local server, mock model, sequential POST /v1/chat/completions, " + rounds + " x " + perBlock
                + " requests per mode");
        System.out.println("[bench] " + offLine);
        System.out.println("[bench] " + onLine);
        System.err.println("[bench] " + offLine + "\n[bench] " + onLine);
        assertEquals(rowsBefore + rounds * perBlock, supabase.rows().size(), "every 'on' request reached the sinks");
        // the latencies are printed for the reader, not asserted: a loaded machine may make either block slower
    }

    static String lastRequestId;

    static List<Long> block(int n, String tag) throws Exception {
        List<Long> nanos = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = chat("mock-gpt", "bench " + tag + " " + i);
            nanos.add(System.nanoTime() - start);
            if (response.statusCode() != 200) throw new AssertionError(response.body());
            lastRequestId = response.headers().firstValue("x-relay-request-id").orElseThrow();
        }
        return nanos;
    }

    static double percentile(List<Long> nanos, double p) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    static String summary(String label, List<Long> nanos) {
        double mean = nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
        return String.format("%s: n=%d  p50=%.2f ms  p90=%.2f ms  p99=%.2f ms  mean=%.2f ms", label, nanos.size(),
                percentile(nanos, 50), percentile(nanos, 90), percentile(nanos, 99), mean);
    }
}
