package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.api.RelayApiTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.access.AccessSettings;
import relay.core.access.InMemoryAccessStore;
import relay.core.access.VirtualKeys;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.core.messages.MessagesEndpoint;
import relay.core.provider.ModelRouter;
import relay.core.responses.InMemoryResponseStore;
import relay.core.responses.ResponsesEndpoint;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;

/**
 * A virtual key's checks on the native paths, as on chat: {@code /v1/messages} to a provider that speaks Messages and
 * {@code /v1/responses} to one that speaks Responses are refused for a model the key may not use and over its budget,
 * before any provider call, and what a native answer cost is added to the key's spend.
 */
class NativeVirtualKeyApiTest {
    static final String MASTER_KEY = "sk-relay-master-key-0123456789abcdef";
    /** Priced per token, so an answer's cost is known: 1e-6 a prompt token, 2e-6 a completion token. */
    static final String CONFIG = """
            model_list:
              - model_name: claude-group
                litellm_params: {model: native/claude-x, api_key: os.environ/NATIVE_KEY, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
              - model_name: gpt-native
                litellm_params: {model: oai/gpt-x, api_key: os.environ/NATIVE_KEY, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
              - model_name: other
                litellm_params: {model: oai/gpt-y, api_key: os.environ/NATIVE_KEY}
            router_settings: {num_retries: 0}
            """;
    static final String MESSAGES = "{\"model\":\"claude-group\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String RESPONSES = "{\"model\":\"gpt-native\",\"input\":\"hi\"}";

    final MessagesApiTest.NativeProvider anthropic = new MessagesApiTest.NativeProvider();
    final NativeCacheApiTest.OpenAiNative openai = new NativeCacheApiTest.OpenAiNative();
    final AtomicInteger ids = new AtomicInteger();
    final RelayApi api = api();

    RelayApi api() {
        Clock clock = Clock.systemUTC();
        ModelRouter models = new ModelRouter(RelayConfig.parse(CONFIG), List.of(anthropic, openai), Duration.ofSeconds(5), ModelCatalog.load());
        KeyStore keys = new EnvironmentKeyStore(Map.of("NATIVE_KEY", "sk-native", "RELAY_MASTER_KEY", MASTER_KEY));
        Router router = new Router(models, RouterPolicy.from(RelayConfig.parse(CONFIG)), clock, new java.util.SplittableRandom(1));
        Authenticator auth = new Authenticator(keys, null, true);
        VirtualKeys virtualKeys = new VirtualKeys(new InMemoryAccessStore(), models, clock, AccessSettings.DEFAULTS, auth::masterKey);
        Gateway gateway = new Gateway(models, router, keys, clock, false);
        return new RelayApi(gateway, models, auth, new RelayApiTest.RecordingLogs(), clock, Duration.ofDays(1), true, virtualKeys)
                .withEndpoints(List.of(new MessagesEndpoint(gateway),
                        new ResponsesEndpoint(gateway, new InMemoryResponseStore(clock, 100), clock, Duration.ofDays(1))));
    }

    ApiResponse post(String path, String body, String key) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path,
                Map.of("content-type", "application/json", "authorization", "Bearer " + key), body.getBytes(StandardCharsets.UTF_8)));
    }

    String newKey(String settings) {
        ApiResponse response = post("/key/generate", settings, MASTER_KEY);
        assertEquals(200, response.status(), response.body());
        return json(response).path("key").asText();
    }

    BigDecimal spend(String key) {
        ApiResponse response = api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "GET", "/key/info",
                Map.of("authorization", "Bearer " + MASTER_KEY), Map.of("key", key), null, null));
        assertEquals(200, response.status(), response.body());
        return json(response).path("info").path("spend").decimalValue();
    }

    static String message(ApiResponse response) {
        JsonNode body = json(response);
        return body.path("error").path("message").asText();
    }

    @Test
    void aModelTheKeyMayNotUse_is403_onNativeMessagesAndResponses_beforeAnyProviderCall() {
        String key = newKey("{\"models\":[\"other\"]}");

        ApiResponse messages = post("/v1/messages", MESSAGES, key);
        ApiResponse responses = post("/v1/responses", RESPONSES, key);

        assertEquals(403, messages.status(), messages.body());
        assertEquals("permission_error", json(messages).path("error").path("type").asText(), "Anthropic's shape");
        assertTrue(message(messages).contains("'claude-group'"), messages.body());
        assertEquals(403, responses.status(), responses.body());
        assertTrue(message(responses).contains("'gpt-native'"), responses.body());
        assertTrue(anthropic.calls.isEmpty());
        assertTrue(openai.calls.isEmpty());
    }

    @Test
    void aKeyOverItsBudget_getsTheBudgetError_onNativeMessagesAndResponses() {
        String key = newKey("{\"max_budget\":0.0000001}");

        ApiResponse messages = post("/v1/messages", MESSAGES, key);
        ApiResponse responses = post("/v1/responses", RESPONSES, key);

        assertEquals(400, messages.status(), messages.body());
        assertTrue(message(messages).startsWith("Budget has been exceeded!"), messages.body());
        assertEquals(400, responses.status(), responses.body());
        assertEquals("budget_exceeded", json(responses).path("error").path("code").asText(), responses.body());
        assertTrue(anthropic.calls.isEmpty());
        assertTrue(openai.calls.isEmpty());
    }

    @Test
    void aNativeAnswer_isAddedToTheKeysSpend_atItsCost() {
        anthropic.answer = NativeCacheApiTest.PLAIN_MESSAGE; // 12 prompt and 7 completion tokens
        String key = newKey("{\"max_budget\":1}");

        assertEquals(200, post("/v1/messages", MESSAGES, key).status());
        assertEquals(0, new BigDecimal("0.000026").compareTo(spend(key)), "12 x 1e-6 + 7 x 2e-6");
        assertEquals(200, post("/v1/responses", RESPONSES, key).status()); // 20 prompt and 6 completion tokens
        assertEquals(0, new BigDecimal("0.000058").compareTo(spend(key)), "+ 20 x 1e-6 + 6 x 2e-6");
        assertEquals(1, anthropic.calls.size());
        assertEquals(1, openai.calls.size());
    }

    @Test
    void aNativeStream_isAddedToTheKeysSpend_afterItsEnd() {
        String key = newKey("{\"max_budget\":1}");
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();

        api.handle(new ApiRequest("req-s", "POST", "/v1/messages", Map.of("authorization", "Bearer " + key),
                MESSAGES.replace("{\"model\"", "{\"stream\":true,\"model\"").getBytes(StandardCharsets.UTF_8)), sink).run();

        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        assertEquals(0, new BigDecimal("0.000043").compareTo(spend(key)), "the stream's 25 prompt and 9 completion tokens");
    }
}
