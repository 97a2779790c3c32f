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
}
