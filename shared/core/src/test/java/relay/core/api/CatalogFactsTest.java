package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.Usage;

/** What the catalog knows of a model, as a chat request meets it: which models reason, and the price of cached prompt tokens. */
class CatalogFactsTest {
    static final ModelCatalog CATALOG = ModelCatalog.load();
    static final String CONFIG = """
            model_list:
              - model_name: plain
                litellm_params: {model: fake/gpt-4o}
              - model_name: reasoner
                litellm_params: {model: fake/o3-mini}
              - model_name: private
                litellm_params: {model: fake/our-model-7}
            router_settings: {num_retries: 0}
            """;

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();

    RelayApi api(boolean dropParams) {
        RelayConfig config = RelayConfig.parse(CONFIG);
        Clock clock = Clock.systemUTC();
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5), CATALOG);
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        Gateway gateway = new Gateway(models, router, new EnvironmentKeyStore(Map.of("FAKE_API_KEY", "sk-fake")), clock, dropParams);
        return new RelayApi(gateway, models, new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, clock, Duration.ofDays(1));
    }

    static ApiResponse chat(RelayApi api, String model, String extra) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
        return api.handle(new ApiRequest("req-1", "POST", "/v1/chat/completions", Map.of(), body.getBytes(StandardCharsets.UTF_8)));
    }

    ChatCompletionRequest sent() {
        return (ChatCompletionRequest) provider.calls.get(provider.calls.size() - 1).request();
    }

    @Test
    void reasoningEffort_toAModelTheCatalogSaysDoesNotReason_isA400NamingIt() {
        ApiResponse refused = chat(api(false), "plain", ",\"reasoning_effort\":\"high\"");

        RelayApiTest.assertError(refused, 400, "invalid_request_error", "unsupported_params");
        assertEquals("reasoning_effort", RelayApiTest.json(refused).path("error").path("param").asText());
        assertTrue(provider.calls.isEmpty(), "nothing reached the provider");
    }

    @Test
    void reasoningEffort_isDropped_withDropParams_inTheRequestOrInSettings_andNoneIsDroppedQuietly() {
        assertEquals(200, chat(api(false), "plain", ",\"reasoning_effort\":\"high\",\"drop_params\":true").status());
        assertFalse(sent().body().has("reasoning_effort"));
        assertEquals(200, chat(api(true), "plain", ",\"reasoning_effort\":\"low\"").status());
        assertFalse(sent().body().has("reasoning_effort"));
        assertEquals(200, chat(api(false), "plain", ",\"reasoning_effort\":\"none\"").status());
        assertFalse(sent().body().has("reasoning_effort"));
    }

    @Test
    void reasoningEffort_reachesAReasoningModel_andAModelTheCatalogDoesNotKnow() {
        assertEquals(200, chat(api(false), "reasoner", ",\"reasoning_effort\":\"high\"").status());
        assertEquals("high", sent().body().path("reasoning_effort").asText());
        assertEquals(200, chat(api(false), "private", ",\"reasoning_effort\":\"high\"").status());
        assertEquals("high", sent().body().path("reasoning_effort").asText());
    }

    /** gpt-4o in the catalog: input 2.5e-06, cache read 1.25e-06, output 1e-05 per token. */
    @Test
    void cachedPromptTokens_arePricedAtTheCacheReadPrice_inTheCostHeaderAndTheLog() {
        provider.chat = call -> Completions.response("chatcmpl-c", 1, "gpt-4o", "ok",
                new Usage(1200, 50, 1250).withDetails(1024, 32));

        ApiResponse answer = chat(api(false), "plain", "");

        assertEquals(200, answer.status(), answer.body());
        // 176 * 2.5e-06 + 1024 * 1.25e-06 + 50 * 1e-05 (the 32 reasoning tokens are among the 50)
        assertEquals("0.00222", answer.headers().get("x-relay-cost-usd"));
        assertEquals(0, new java.math.BigDecimal("0.00222").compareTo(logs.records.get(0).costUsd()));
    }
}
