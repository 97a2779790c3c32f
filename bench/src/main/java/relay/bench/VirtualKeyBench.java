package relay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.local.LocalServer;
import relay.testing.FakeOpenAi;

/**
 * What a virtual key costs a chat, in one run on this machine: the same small chat through the local
 * server with the master key, with a virtual key without limits (no write before the call), and with
 * a virtual key with a budget and rate limits (one conditional write before the call), interleaved;
 * once with the key record cached (the default TTL) and once on a server whose cache is off
 * ({@code user_api_key_cache_ttl: 0}: every request reads the record). Then 200 requests at once from
 * one key whose budget covers ten answers: how many were answered, and the spend recorded over the
 * budget. Usage: {@code ./dev bench virtual-keys [--requests N] [--warmup N]}.
 */
public final class VirtualKeyBench {
    static final String MASTER_KEY = "sk-relay-bench-master-key";
    static final String CHAT = "{\"model\":\"mini\",\"max_completion_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private VirtualKeyBench() {}

    public static void main(String[] args) throws Exception {
        int requests = 1000, warmup = 500;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; usage: virtual-keys [--requests N] [--warmup N]");
            }
        }
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce();
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            System.out.println("Relay virtual-key overhead: " + requests + " requests each way, interleaved, after " + warmup
                    + " warm-up rounds; " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version());
            for (boolean cached : new boolean[] {true, false}) {
                LocalServer relay = start(upstream, cached ? "" : "  user_api_key_cache_ttl: 0\n");
                try {
                    overhead(relay, cached, requests, warmup);
                    if (cached) overBudget(relay);
                } finally {
                    relay.close();
                }
            }
        }
        System.exit(0); // the embedded servers' threads would keep the JVM alive
    }

    static LocalServer start(FakeOpenAi upstream, String generalSettings) throws Exception {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: mini
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                %s""".formatted(upstream.baseUrl(), generalSettings));
        return LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1"), config,
                new EnvironmentKeyStore(Map.of("OPENAI_API_KEY", "sk-bench", "RELAY_MASTER_KEY", MASTER_KEY)));
    }

    static void overhead(LocalServer relay, boolean cached, int requests, int warmup) throws Exception {
        String unlimited = admin(relay, "/key/generate", "{}").path("key").asText();
        String limited = admin(relay, "/key/generate", "{\"max_budget\":1000,\"rpm_limit\":1000000,\"tpm_limit\":100000000}")
                .path("key").asText();
        List<String> keys = List.of(MASTER_KEY, unlimited, limited);
        for (int i = 0; i < warmup; i++) for (String key : keys) chat(relay, key);
        long[][] nanos = new long[3][requests];
        for (int i = 0; i < requests; i++) {
            for (int k = 0; k < 3; k++) {
                long start = System.nanoTime();
                int status = chat(relay, keys.get(k));
                nanos[k][i] = System.nanoTime() - start;
                if (status != 200) throw new IllegalStateException("HTTP " + status + " from key " + k);
            }
        }
        String cache = cached ? "key record cached (default TTL)" : "key record read on every request (TTL 0)";
        System.out.println();
        System.out.println(cache);
        double[] master = percentiles(nanos[0]);
        String[] names = {"master key", "virtual key, no limits", "virtual key, budget + rpm + tpm"};
        for (int k = 0; k < 3; k++) {
            double[] p = percentiles(nanos[k]);
            System.out.printf(Locale.ROOT, "  %-34s p50 %7.0f us  p99 %7.0f us%s%n", names[k], p[0], p[1],
                    k == 0 ? "" : String.format(Locale.ROOT, "   added: p50 %+6.0f us, p99 %+6.0f us", p[0] - master[0], p[1] - master[1]));
        }
    }

    /** 200 requests at once from one key whose budget covers ten of the fake's answers. */
    static void overBudget(LocalServer relay) throws Exception {
        BigDecimal answer = new BigDecimal("0.0000045"); // the fake's 10 + 5 tokens at gpt-4o-mini's prices
        BigDecimal budget = answer.multiply(BigDecimal.TEN);
        String key = admin(relay, "/key/generate", "{\"max_budget\":" + budget.toPlainString() + "}").path("key").asText();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        int answered = 0, overBudget = 0, other = 0;
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) futures.add(pool.submit(() -> { start.await(); return chat(relay, key); }));
            start.countDown();
            for (Future<Integer> f : futures) {
                int status = f.get(120, TimeUnit.SECONDS);
                if (status == 200) answered++; else if (status == 400) overBudget++; else other++;
            }
        } finally {
            pool.shutdownNow();
        }
        BigDecimal spend = BigDecimal.ZERO;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        BigDecimal expected = answer.multiply(BigDecimal.valueOf(answered));
        while (System.nanoTime() < deadline) { // settlements land after the answers
            spend = admin(relay, "/key/info?key=" + key, null).path("info").path("spend").decimalValue();
            if (spend.compareTo(expected) >= 0) break;
            Thread.sleep(20);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "200 requests at once, budget $%s (ten answers of $%s): %d answered, %d budget_exceeded, %d other;"
                + " spend $%s, over the budget $%s%n", budget.toPlainString(), answer.toPlainString(), answered, overBudget, other,
                spend.stripTrailingZeros().toPlainString(), spend.subtract(budget).max(BigDecimal.ZERO).stripTrailingZeros().toPlainString());
    }

    static int chat(LocalServer relay, String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(relay.url() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).timeout(Duration.ofSeconds(60)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static JsonNode admin(LocalServer relay, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(relay.url() + path))
                .header("authorization", "Bearer " + MASTER_KEY).header("content-type", "application/json");
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IllegalStateException(path + ": HTTP " + response.statusCode() + " " + response.body());
        return JSON.readTree(response.body());
    }

    /** p50 and p99 in microseconds. */
    static double[] percentiles(long[] nanos) {
        return new double[] {RelayBench.percentileOf(nanos, 50) / 1000.0, RelayBench.percentileOf(nanos, 99) / 1000.0};
    }
}
