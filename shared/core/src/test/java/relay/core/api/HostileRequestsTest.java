package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.api.RelayApiTest.assertError;
import static relay.core.api.RelayApiTest.json;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.cache.CacheSettings;
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
 * Requests built to hurt: each gets an OpenAI-shaped 4xx (or its answer), a log record, and nothing that
 * lets it harm the next client. The exact-match response cache is on, as it is where some of them did harm.
 */
class HostileRequestsTest {
    static final String CONFIG = """
            model_list:
              - model_name: chat
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
              - model_name: other
                litellm_params: {model: fake/other-1, api_key: os.environ/FAKE_KEY}
            router_settings: {num_retries: 0}
            litellm_settings: {cache: true, cache_params: {type: local}}
            """;

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    final Clock clock = Clock.systemUTC();
    final InMemoryResponseCache cache = new InMemoryResponseCache(SemanticPolicy.cosine(0.99), clock);

    RelayApi api(String yaml) {
        RelayConfig config = RelayConfig.parse(yaml);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5));
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        ResponseCaching caching = new ResponseCaching(CacheSettings.from(true, Map.of("type", "local")), cache, null);
        return new RelayApi(new Gateway(models, router, new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake-key-0123456789")),
                clock, false, caching), models, new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, clock,
                Duration.ofDays(1));
    }

    RelayApi api() {
        return api(CONFIG);
    }

    ApiResponse post(RelayApi api, byte[] body) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", "/v1/chat/completions",
                Map.of("content-type", "application/json"), body));
    }

    ApiResponse post(RelayApi api, String body) {
        return post(api, body.getBytes(StandardCharsets.UTF_8));
    }

    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
    }

    RequestLog lastLog() {
        return logs.records.get(logs.records.size() - 1);
    }

    // ---- 1e309 ----

    @Test
    void aNumberThatOverflowsAFloat_isA400NamingIt_withTheCacheOn_andNeverReachesTheProvider() {
        RelayApi api = api();

        ApiResponse inLogitBias = post(api, chat("chat", ",\"logit_bias\":{\"50256\":1e309}"));
        ApiResponse streamed = post(api, chat("chat", ",\"stream\":true,\"temperature\":-1e309"));

        assertError(inLogitBias, 400, "invalid_request_error", null);
        assertEquals("logit_bias.50256", json(inLogitBias).path("error").path("param").asText(), inLogitBias.body());
        assertError(streamed, 400, "invalid_request_error", null);
        assertEquals("temperature", json(streamed).path("error").path("param").asText());
        assertTrue(provider.calls.isEmpty(), "never forwarded (as \"Infinity\")");
        assertEquals(List.of(400, 400), logs.records.stream().map(RequestLog::status).toList());
    }

    // ---- malformed UTF-8 ----

    @Test
    void anOverlongUtf8Sequence_isA400_andNotASlash() {
        byte[] json = chat("chat", "").getBytes(StandardCharsets.UTF_8);
        String text = new String(json, StandardCharsets.UTF_8);
        int at = text.indexOf("chat\"") + 2; // inside the model name: "ch" C0 AF "at"
        byte[] body = new byte[json.length + 2];
        System.arraycopy(json, 0, body, 0, at);
        body[at] = (byte) 0xC0;
        body[at + 1] = (byte) 0xAF;
        System.arraycopy(json, at, body, at + 2, json.length - at);

        ApiResponse response = post(api(), body);

        assertError(response, 400, "invalid_request_error", null);
        assertTrue(json(response).path("error").path("message").asText().contains("UTF-8"), response.body());
        assertTrue(provider.calls.isEmpty());
        assertEquals(400, lastLog().status());
    }

    // ---- bidirectional controls ----

    @Test
    void errorMessages_neverEchoBidirectionalControls() {
        RelayApi api = api();
        String rlo = "\u202E";

        List<ApiResponse> responses = List.of(
                post(api, "{\"model\":\"chat\",\"messages\":[{\"role\":\"us" + rlo + "er\",\"content\":\"hi\"}]}"),
                post(api, chat("chat" + rlo + "gpt", "")),
                api.handle(new ApiRequest("req-x", "GET", "/v1/" + rlo + "txt.exe", Map.of(), null)));

        for (ApiResponse response : responses) {
            assertTrue(response.status() >= 400 && response.status() < 500, response.body());
            String message = json(response).path("error").path("message").asText();
            assertFalse(message.isBlank(), response.body());
            assertFalse(message.chars().anyMatch(c -> c == 0x202E || c == 0x2066 || c == 0x200F), message);
        }
        assertTrue(json(responses.get(0)).path("error").path("message").asText().contains("'us\\u202Eer'"),
                "the message still says what was sent, visibly: " + responses.get(0).body());
        for (RequestLog record : logs.records) {
            assertFalse(record.errorMessage().contains(rlo), record.errorMessage());
        }
    }

    // ---- what one request can make Relay hold ----

    static String fallbacks(int count) {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < count; i++) names.append(i == 0 ? "" : ",").append("\"unknown-").append(i).append('"');
        return ",\"fallbacks\":[" + names + "]";
    }

    @Test
    void moreThanTenFallbacks_isA400NamingFallbacks_beforeAnyCall() {
        RelayApi api = api();
        provider.chat = call -> { throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "down"); };

        ApiResponse tenThousand = post(api, chat("chat", fallbacks(10_000)));
        ApiResponse eleven = post(api, chat("chat", fallbacks(11)));
        ApiResponse ten = post(api, chat("chat", fallbacks(10)));

        assertError(tenThousand, 400, "invalid_request_error", null);
        assertEquals("fallbacks", json(tenThousand).path("error").path("param").asText());
        assertEquals("fallbacks", json(eleven).path("error").path("param").asText());
        assertEquals(1, provider.calls.size(), "only the request with ten fallbacks reached a provider");
        assertEquals(404, ten.status(), "an unknown fallback is the most telling failure: " + ten.body());
        assertEquals(11, lastLog().attempts().size(), "its model, then its ten (unknown) fallbacks");
    }

    @Test
    void aRequestThatMakesHundredsOfAttempts_keepsABoundedRecord_andABoundedMessage() {
        StringBuilder yaml = new StringBuilder("model_list:\n");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i <= 10; i++) {
            yaml.append("  - model_name: g").append(i).append("\n    litellm_params: {model: fake/g").append(i)
                    .append(", api_key: os.environ/FAKE_KEY}\n");
            if (i > 0) names.append(names.isEmpty() ? "" : ",").append("\"g").append(i).append('"');
        }
        yaml.append("router_settings: {num_retries: 10, allowed_fails: 100000}\n");
        RelayApi api = api(yaml.toString());
        String longReason = "overloaded " + "x".repeat(5000);
        provider.chat = call -> {
            throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_UNAVAILABLE,
                    "fake (" + call.deployment().providerModel() + ") " + longReason, null, Map.of("retry-after-ms", "1"), null);
        };

        ApiResponse response = post(api, chat("g0", ",\"fallbacks\":[" + names + "]"));

        assertEquals(503, response.status());
        assertEquals(11 * 11, provider.calls.size(), "eleven groups, eleven tries each");
        RequestLog record = lastLog();
        assertTrue(record.attempts().size() <= relay.core.gateway.RequestTrace.MAX_ATTEMPTS_KEPT, "attempts kept: " + record.attempts().size());
        relay.core.log.Attempt omitted = record.attempts().get(record.attempts().size() - 2);
        assertEquals(relay.core.gateway.RequestTrace.ATTEMPTS_OMITTED, omitted.errorType());
        assertTrue(omitted.message().startsWith((121 - record.attempts().size() + 1) + " more attempts"), omitted.message());
        assertEquals("fake/g10", record.attempts().get(record.attempts().size() - 1).deployment(), "the last attempt is kept");
        assertTrue(record.attempts().stream().allMatch(a -> a.message().length() <= relay.core.gateway.RequestTrace.MAX_ATTEMPT_MESSAGE_CHARS));
        String message = json(response).path("error").path("message").asText();
        assertTrue(message.startsWith("All 121 attempts failed"), message.substring(0, 100));
        assertTrue(message.length() < 20_000, "the client's message lists the first failures only: " + message.length());
        assertEquals("11", response.headers().get("x-relay-fallbacks"), "every deployment failed");
    }
}
