package relay.bench.cache;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import relay.bench.RelayBench;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.local.LocalServer;
import relay.testing.FakeOpenAi;

/**
 * What the response cache does to a chat request's time, through the local server (embedded DynamoDB,
 * in-process embedder) in one run, interleaved: no cache configured (the baseline: a provider call to a
 * loopback fake that answers at once), a semantic-cache miss (embedding, LSH queries, the provider
 * call, the store), an exact hit and a semantic hit. A real provider takes hundreds of milliseconds, so
 * a hit saves far more than this baseline shows; a miss's overhead is what it costs.
 * Run: {@code java -cp bench/target/relay-bench.jar relay.bench.cache.CacheEndToEndBench [rounds]}
 */
public final class CacheEndToEndBench {
    private CacheEndToEndBench() {}

    public static void main(String[] args) throws Exception {
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce(); // before the first loopback server starts
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        try (FakeOpenAi upstream = FakeOpenAi.start();
             LocalServer plain = LocalServer.start(options(), config(upstream, ""), keys());
             LocalServer cached = LocalServer.start(options(), config(upstream, """
                     litellm_settings:
                       cache: true
                       cache_params: {type: dynamodb-semantic}
                     """), keys())) {
            HttpClient http = HttpClient.newHttpClient();
            send(http, cached, "How do I learn Python quickly?", "miss");
            send(http, cached, "How do I learn Python quickly?", "hit-exact");
            send(http, cached, "How can I learn Python quickly?", "hit-semantic");
            long[] none = new long[rounds];
            long[] miss = new long[rounds];
            long[] templatedMiss = new long[rounds];
            java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            long[] exact = new long[rounds];
            long[] semantic = new long[rounds];
            int warmUp = rounds / 4;
            for (int i = -warmUp; i < rounds; i++) {
                long n = send(http, plain, "How do I learn Python quickly?", "off");
                long m = send(http, cached, randomQuestion(random), "miss");
                // Prompts from one template differing in a number: all in the same LSH buckets, kept apart by the numbers check.
                String templated = "What is " + (1000 + i) + " times " + (7 + (i & 7)) + " in base " + (2 + i % 14) + "?";
                long t = send(http, cached, templated, "miss");
                long e = send(http, cached, "How do I learn Python quickly?", "hit-exact");
                long s = send(http, cached, "How can I learn Python quickly?", "hit-semantic");
                if (i >= 0) {
                    none[i] = n;
                    miss[i] = m;
                    templatedMiss[i] = t;
                    exact[i] = e;
                    semantic[i] = s;
                }
                if (i % 200 == 0) upstream.reset();
            }
            System.out.printf("Chat request through the local server, %d interleaved rounds after %d warm-up (microseconds, p50 / p99; ratio of p50 to no cache):%n",
                    rounds, warmUp);
            row("no cache (provider call)", none, none);
            row("semantic miss", miss, none);
            row("semantic miss, templated", templatedMiss, none);
            row("exact hit", exact, none);
            row("semantic hit", semantic, none);
        }
        System.exit(0);
    }

    private static final String[] SYLLABLES = ("ka lo mi ne ru ta si po be da fu gi ho ji ke la mo nu pa re so tu "
            + "va we xi yo za bri cla dro fle gru pla sto tri").split(" ");

    /** A question of made-up words: unlike anything stored (a typical miss). */
    static String randomQuestion(java.util.SplittableRandom random) {
        StringBuilder q = new StringBuilder("Why does the");
        for (int w = 0; w < 5; w++) {
            q.append(' ');
            for (int syllable = 0; syllable < 3; syllable++) q.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
        }
        return q.append('?').toString();
    }

    static void row(String name, long[] values, long[] baseline) {
        System.out.printf("  %-26s %8.0f / %8.0f   %.2fx%n", name, RelayBench.percentileOf(values, 50), RelayBench.percentileOf(values, 99), RelayBench.percentileOf(values, 50) / RelayBench.percentileOf(baseline, 50));
    }

    static LocalServer.Options options() {
        return new LocalServer.Options(null, 0, null, "127.0.0.1");
    }

    static EnvironmentKeyStore keys() {
        return new EnvironmentKeyStore(Map.of("OPENAI_API_KEY", "sk-bench"));
    }

    static RelayConfig config(FakeOpenAi upstream, String litellmSettings) {
        return RelayConfig.parse("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                """.formatted(upstream.baseUrl()) + litellmSettings);
    }

    /** The request's time in microseconds; fails unless {@code x-relay-cache} is {@code expected}. */
    static long send(HttpClient http, LocalServer server, String question, String expected) throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        long us = (System.nanoTime() - t0) / 1000;
        String cache = r.headers().firstValue("x-relay-cache").orElse("");
        if (r.statusCode() != 200 || !cache.equals(expected)) {
            throw new IllegalStateException(question + ": " + r.statusCode() + " x-relay-cache " + cache + " (expected " + expected + ")");
        }
        return us;
    }

}
