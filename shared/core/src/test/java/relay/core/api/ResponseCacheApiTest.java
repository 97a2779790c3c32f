package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.cache.CacheSettings;
import relay.core.cache.Embedder;
import relay.core.cache.InMemoryResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;

/**
 * What a client sees of the response cache through the API: {@code x-relay-cache-similarity} on every answer
 * the cache served, and {@code /v1/embeddings} answered from the exact cache with the same controls and
 * headers as chat.
 */
class ResponseCacheApiTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    static final String CONFIG = """
            model_list:
              - model_name: fake-chat
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
              - model_name: fake-embed
                litellm_params: {model: fake/embed-1, api_key: os.environ/FAKE_KEY}
            router_settings: {num_retries: 0}
            """;
    static final CacheSettings EXACT = CacheSettings.from(true, Map.of("type", "dynamodb"));
    static final String PROMPT = "How do I reset my password?";
    static final String PARAPHRASE = "How can I reset my password?";

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();

    /** Two prompts at cosine 0.96, any other text orthogonal to both. */
    static final class TwoPromptEmbedder implements Embedder {
        @Override
        public float[] embed(String text) {
            if (text.equals(PROMPT)) return new float[] {1, 0, 0};
            if (text.equals(PARAPHRASE)) return new float[] {0.96f, (float) Math.sqrt(1 - 0.96 * 0.96), 0};
            return new float[] {0, 0, 1};
        }

        @Override
        public int dimensions() { return 3; }

        @Override
        public String name() { return "two-prompts"; }
    }

    RelayApi api(ResponseCaching caching) {
        RelayConfig config = RelayConfig.parse(CONFIG);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5));
        Router router = new Router(models, RouterPolicy.from(config), CLOCK, new java.util.SplittableRandom(1));
        var keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake"));
        return new RelayApi(new Gateway(models, router, keys, CLOCK, false, caching), models,
                new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, CLOCK, Duration.ofDays(1));
    }

    RelayApi exactCache() {
        return api(new ResponseCaching(EXACT, new InMemoryResponseCache(SemanticPolicy.cosine(1), CLOCK), null));
    }

    ApiResponse post(RelayApi api, String path, String body) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path, Map.of(),
                body.getBytes(StandardCharsets.UTF_8)));
    }

    static String chat(String prompt) {
        return "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.write(prompt) + "}]}";
    }

    static String embeddings(String inputJson, String extra) {
        return "{\"model\":\"fake-embed\",\"input\":" + inputJson + extra + "}";
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    long embedCalls() {
        return provider.calls.stream().filter(c -> c.request() instanceof relay.core.wire.EmbeddingRequest).count();
    }

    static float[] floats(JsonNode embedding) {
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) embedding.get(i).asDouble();
        return v;
    }

    // ---- x-relay-cache-similarity ----

    @Test
    void anExactHitSaysSimilarity1_andAnAnswerFromTheProviderSaysNothing() {
        RelayApi api = exactCache();

        ApiResponse first = post(api, "/v1/chat/completions", chat(PROMPT));
        ApiResponse second = post(api, "/v1/chat/completions", chat(PROMPT));

        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertNull(first.headers().get("x-relay-cache-similarity"), "not served from the cache");
        assertEquals("hit-exact", second.headers().get("x-relay-cache"));
        assertEquals("1", second.headers().get("x-relay-cache-similarity"));
    }

    @Test
    void aSemanticHitSaysTheScoreItWasServedAt_theJudgesScoreNotTheCosine() {
        CacheSettings semantic = CacheSettings.from(true, Map.of("type", "dynamodb-semantic"));
        // A judge that scores below the cosine, as the default judge does for a wording difference.
        SemanticPolicy policy = SemanticPolicy.judged(0.9, 0.9, 5, (prompt, cached, cosine) -> cosine - 0.0125);
        RelayApi api = api(new ResponseCaching(semantic, new InMemoryResponseCache(policy, CLOCK), new TwoPromptEmbedder()));

        post(api, "/v1/chat/completions", chat(PROMPT));
        ApiResponse hit = post(api, "/v1/chat/completions", chat(PARAPHRASE));

        assertEquals("hit-semantic", hit.headers().get("x-relay-cache"));
        String similarity = hit.headers().get("x-relay-cache-similarity");
        assertNotNull(similarity);
        assertEquals(0, new BigDecimal(similarity).compareTo(new BigDecimal("0.9475")), similarity + " = 0.96 - 0.0125");
    }

    @Test
    void aStreamedHit_carriesTheHeaderToo() {
        RelayApi api = exactCache();
        post(api, "/v1/chat/completions", chat(PROMPT));
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();

        api.handle(new ApiRequest("req-stream", "POST", "/v1/chat/completions", Map.of(),
                chat(PROMPT).replace("{\"model\"", "{\"stream\":true,\"model\"").getBytes(StandardCharsets.UTF_8)), sink).run();

        assertEquals("hit-exact", sink.headers.get("x-relay-cache"));
        assertEquals("1", sink.headers.get("x-relay-cache-similarity"));
    }

    // ---- /v1/embeddings from the exact cache ----

    @Test
    void aRepeatedEmbeddingsCall_isAnsweredFromTheCache_withTheSameVectors_andCostsNothing() {
        RelayApi api = exactCache();
        String body = embeddings("[\"alpha\",\"beta gamma\"]", "");

        ApiResponse first = post(api, "/v1/embeddings", body);
        ApiResponse second = post(api, "/v1/embeddings", body);

        assertEquals(200, first.status());
        assertEquals(200, second.status());
        assertEquals(1, embedCalls(), "the provider is asked once");
        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertEquals("hit-exact", second.headers().get("x-relay-cache"));
        assertEquals("1", second.headers().get("x-relay-cache-similarity"));
        assertNotNull(first.headers().get("x-relay-cache-key"));
        assertEquals(first.headers().get("x-relay-cache-key"), second.headers().get("x-relay-cache-key"));
        JsonNode a = json(first.body()), b = json(second.body());
        assertEquals(a.get("data"), b.get("data"), "the same vectors, in the same order");
        assertEquals(2, b.get("data").size());
        assertArrayEquals(RelayApiTest.FakeProvider.vector("beta gamma"), floats(b.get("data").get(1).get("embedding")));
        assertEquals("fake-embed", b.get("model").asText());
        assertEquals(a.get("usage"), b.get("usage"), "the usage is the stored answer's");
        RequestLog hit = logs.records.get(1);
        assertEquals("hit-exact", hit.cacheStatus());
        assertEquals(0, hit.costUsd().signum(), "nothing was spent");
        assertNull(hit.deployment(), "no deployment answered");
    }

    @Test
    void theEncodingFormatDoesNotSplitTheCache_eachRequestGetsItsOwnEncoding() {
        RelayApi api = exactCache();
        post(api, "/v1/embeddings", embeddings("\"alpha\"", ""));

        ApiResponse base64 = post(api, "/v1/embeddings", embeddings("\"alpha\"", ",\"encoding_format\":\"base64\""));

        assertEquals("hit-exact", base64.headers().get("x-relay-cache"));
        assertEquals(1, embedCalls());
        byte[] bytes = Base64.getDecoder().decode(json(base64.body()).get("data").get(0).get("embedding").asText());
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.length / 4];
        for (int i = 0; i < decoded.length; i++) decoded[i] = buffer.getFloat();
        assertArrayEquals(RelayApiTest.FakeProvider.vector("alpha"), decoded);
    }

    @Test
    void anotherInput_anotherModelParameter_orAnotherNamespace_isAnotherEntry() {
        RelayApi api = exactCache();
        post(api, "/v1/embeddings", embeddings("\"alpha\"", ""));

        assertEquals("miss", post(api, "/v1/embeddings", embeddings("\"alphA\"", "")).headers().get("x-relay-cache"));
        assertEquals("miss", post(api, "/v1/embeddings", embeddings("[\"alpha\",\"alpha\"]", "")).headers().get("x-relay-cache"));
        assertEquals("miss", post(api, "/v1/embeddings", embeddings("\"alpha\"", ",\"dimensions\":3")).headers().get("x-relay-cache"));
        assertEquals("miss", post(api, "/v1/embeddings", embeddings("\"alpha\"", ",\"cache\":{\"namespace\":\"team-b\"}"))
                .headers().get("x-relay-cache"));
        assertEquals(5, embedCalls());
    }

    @Test
    void aChatRequestNeverGetsAnEmbeddingsAnswer_norTheOtherWayRound() {
        RelayApi api = exactCache();
        post(api, "/v1/embeddings", embeddings("\"hi\"", ""));

        ApiResponse chat = post(api, "/v1/chat/completions", chat("hi"));

        assertEquals("miss", chat.headers().get("x-relay-cache"));
        assertEquals("Hello from fake", json(chat.body()).at("/choices/0/message/content").asText());
        assertNotEquals(chat.headers().get("x-relay-cache-key"), post(api, "/v1/embeddings", embeddings("\"hi\"", ""))
                .headers().get("x-relay-cache-key"));
    }

    @Test
    void theSameControlsAsChat_noCacheNoStoreAndTtl() {
        RelayApi api = exactCache();
        String noStore = embeddings("\"alpha\"", ",\"cache\":{\"no-store\":true}");
        post(api, "/v1/embeddings", noStore);
        assertEquals("miss", post(api, "/v1/embeddings", noStore).headers().get("x-relay-cache"), "no-store kept nothing");

        post(api, "/v1/embeddings", embeddings("\"alpha\"", ""));
        ApiResponse noCache = post(api, "/v1/embeddings", embeddings("\"alpha\"", ",\"cache\":{\"no-cache\":true}"));
        assertEquals("off", noCache.headers().get("x-relay-cache"), "no-cache skips the lookup");
        assertNull(noCache.headers().get("x-relay-cache-similarity"));
        assertEquals(4, embedCalls());

        ApiResponse badControls = post(api, "/v1/embeddings", embeddings("\"alpha\"", ",\"cache\":{\"ttl\":-1}"));
        assertEquals(400, badControls.status());
        assertTrue(badControls.body().contains("cache.ttl"), badControls.body());
    }

    @Test
    void cacheDelete_removesAStoredEmbeddingsAnswer() {
        RelayApi api = exactCache();
        String key = post(api, "/v1/embeddings", embeddings("\"alpha\"", "")).headers().get("x-relay-cache-key");

        ApiResponse deleted = post(api, "/cache/delete", "{\"keys\":[\"" + key + "\"]}");

        assertEquals(200, deleted.status());
        assertEquals(1, json(deleted.body()).get("deleted").asInt());
        assertEquals("miss", post(api, "/v1/embeddings", embeddings("\"alpha\"", "")).headers().get("x-relay-cache"));
        assertEquals(2, embedCalls());
    }

    @Test
    void withTheCacheOff_everyCallReachesTheProvider_andSaysOff() {
        RelayApi api = api(ResponseCaching.off());

        ApiResponse first = post(api, "/v1/embeddings", embeddings("\"alpha\"", ""));
        ApiResponse second = post(api, "/v1/embeddings", embeddings("\"alpha\"", ""));

        assertEquals("off", second.headers().get("x-relay-cache"));
        assertFalse(second.headers().containsKey("x-relay-cache-similarity"));
        assertEquals(2, embedCalls());
        assertEquals(first.body(), second.body());
    }
}
