package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.api.RelayApiTest.assertError;
import static relay.core.api.RelayApiTest.json;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.cache.InMemoryResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.guardrail.Guardrails;
import relay.core.keys.ConfigVariables;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.ModelRouter;
import relay.core.provider.ProviderCall;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionRequest;

/**
 * The config settings a LiteLLM user relies on, through Relay's HTTP surface with an in-test provider: aliases, tag
 * routing, model_info prices and windows, environment_variables and guardrails, each seen by what reaches the provider.
 */
class ConfigFeaturesApiTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);
    static final String CONFIG = """
            model_list:
              - model_name: house
                litellm_params: {model: fake/house-free, api_key: os.environ/FAKE_KEY, tags: [free, default]}
                model_info: {input_cost_per_token: 0.001, output_cost_per_token: 0.002, max_input_tokens: 40}
              - model_name: house
                litellm_params: {model: fake/house-paid, api_key: os.environ/FAKE_KEY, tags: [paid]}
            router_settings:
              num_retries: 0
              enable_tag_filtering: true
              model_group_alias: {gpt-4: house}
            environment_variables:
              FAKE_KEY: os.environ/VAULT_FAKE_KEY
            litellm_settings:
              cache: true
              cache_params: {type: dynamodb}
            guardrails:
              - guardrail_name: pii
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: pre_call
                  default_on: true
                  patterns:
                    - {pattern_type: prebuilt, pattern_name: email, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: credit_card, action: BLOCK}
              - guardrail_name: no-ssn
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: pre_call
                  patterns: [{pattern_type: prebuilt, pattern_name: us_ssn, action: BLOCK}]
            """;

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    final RelayApi api = api();

    RelayApi api() {
        RelayConfig config = RelayConfig.parse(CONFIG);
        KeyStore keys = ConfigVariables.over(new EnvironmentKeyStore(Map.of("VAULT_FAKE_KEY", "sk-from-the-vault")), config.variables());
        ModelRouter router = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5), ModelCatalog.load());
        var routing = new Router(router, RouterPolicy.from(config), CLOCK, new java.util.SplittableRandom(1));
        var caching = new ResponseCaching(config.litellmSettings().cacheSettings(), new InMemoryResponseCache(SemanticPolicy.cosine(1), CLOCK), null);
        return new RelayApi(new Gateway(router, routing, keys, CLOCK, false, caching), router,
                new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, CLOCK, Duration.ofDays(1))
                .withGuardrails(Guardrails.from(config));
    }

    ApiResponse post(String path, String json) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path, Map.of("content-type", "application/json"),
                json.getBytes(StandardCharsets.UTF_8)));
    }

    static String chat(String model, String text, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.write(text) + "}]" + extra + "}";
    }

    @SuppressWarnings("unchecked")
    ProviderCall<ChatCompletionRequest> lastCall() {
        return (ProviderCall<ChatCompletionRequest>) provider.calls.get(provider.calls.size() - 1);
    }

    RequestLog lastLog() {
        return logs.records.get(logs.records.size() - 1);
    }

    @Test
    void anAlias_andTags_pickTheDeployment_withTheKeyFromEnvironmentVariables() {
        ApiResponse paid = post("/v1/chat/completions", chat("gpt-4", "hi", ",\"tags\":[\"paid\"]"));
        assertEquals(200, paid.status(), paid.body());
        assertEquals("fake/house-paid", paid.headers().get("x-relay-model"));
        assertEquals("sk-from-the-vault", lastCall().apiKey(), "environment_variables resolved like os.environ/");

        ApiResponse byMetadata = post("/v1/chat/completions", chat("house", "hi there", ",\"metadata\":{\"tags\":[\"paid\"]}"));
        assertEquals("fake/house-paid", byMetadata.headers().get("x-relay-model"));

        assertEquals("fake/house-paid", post("/v1/chat/completions", chat("house", "one", ",\"tags\":\"paid\"")).headers().get("x-relay-model"));
        ApiResponse badTags = post("/v1/chat/completions", chat("house", "hi", ",\"tags\":{\"tier\":\"paid\"}"));
        assertError(badTags, 400, "invalid_request_error", null);
        assertEquals("tags", json(badTags).path("error").path("param").asText());

        ApiResponse untagged = post("/v1/chat/completions", chat("house", "hello", ""));
        assertEquals("fake/house-free", untagged.headers().get("x-relay-model"), "untagged requests go to the default deployment");
        assertFalse(lastCall().request().providerBody("x").has("tags"));
    }

    @Test
    void modelInfoPrices_priceTheAnswer_andItsWindow_refusesAPromptTooLong_beforeAnyCall() {
        ApiResponse answer = post("/v1/chat/completions", chat("house", "hi", ""));
        // the fake answers with 3 prompt and 4 completion tokens: 3 x 0.001 + 4 x 0.002
        assertEquals("0.011", answer.headers().get("x-relay-cost-usd"));
        assertEquals(0, new java.math.BigDecimal("0.011").compareTo(lastLog().costUsd()));

        int calls = provider.calls.size();
        ApiResponse tooLong = post("/v1/chat/completions", chat("house", "word ".repeat(200), ",\"tags\":[\"free\"]"));
        assertError(tooLong, 400, "invalid_request_error", "context_length_exceeded");
        assertEquals(calls, provider.calls.size(), "known not to fit: no call was made");
        assertTrue(json(tooLong).path("error").path("message").asText().contains("takes 40"), tooLong.body());
    }

    @Test
    void aDefaultOnGuardrail_masksBeforeTheProvider_andTheLogHasCountsNotValues() {
        ApiResponse response = post("/v1/chat/completions", chat("house", "write to jane.doe@example.com and jd@example.org", ""));

        assertEquals(200, response.status(), response.body());
        assertEquals("write to [EMAIL_REDACTED] and [EMAIL_REDACTED]", lastCall().request().lastUserText());
        RequestLog log = lastLog();
        assertEquals("pii masked EMAIL=2", log.caller().metadata().get(Guardrails.LOG_KEY));
        assertFalse(Json.write(log).contains("example.com"), "no masked value anywhere in the record");
    }

    @Test
    void masking_happensBeforeTheCacheKey_soTwoPromptsThatDifferOnlyInTheirPiiShareAnAnswer() {
        ApiResponse first = post("/v1/chat/completions", chat("house", "summarize mail from ann@example.com", ""));
        ApiResponse second = post("/v1/chat/completions", chat("house", "summarize mail from bob@example.net", ""));

        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertEquals("hit-exact", second.headers().get("x-relay-cache"), "the key was made from the masked prompt");
        assertEquals(first.headers().get("x-relay-cache-key"), second.headers().get("x-relay-cache-key"));
        assertEquals(1, provider.calls.size());
    }

    @Test
    void aBlockingGuardrail_isA400NamingIt_andNoProviderIsCalled() {
        ApiResponse card = post("/v1/chat/completions", chat("house", "charge 4111-1111-1111-1111 please", ""));
        assertError(card, 400, "invalid_request_error", "guardrail_blocked");
        assertEquals("The request was blocked by the guardrail 'pii': it contains CREDIT_CARD=1.",
                json(card).path("error").path("message").asText());

        ApiResponse ssn = post("/v1/chat/completions", chat("house", "ssn 123-45-6789", ",\"stream\":true,\"guardrails\":[\"no-ssn\"]"));
        assertError(ssn, 400, "invalid_request_error", "guardrail_blocked");
        assertTrue(provider.calls.isEmpty());
        assertEquals("no-ssn blocked US_SSN=1", lastLog().caller().metadata().get(Guardrails.LOG_KEY));
        assertFalse(lastLog().bodies().request().contains("123-45-6789"));
    }

    @Test
    void guardrailsScreenEveryRoute_completionsAndEmbeddingsToo() {
        ApiResponse text = post("/v1/completions", "{\"model\":\"house\",\"prompt\":\"mail x@y.io\"}");
        assertEquals(200, text.status(), text.body());
        assertEquals("mail [EMAIL_REDACTED]", lastCall().request().lastUserText());

        ApiResponse embedding = post("/v1/embeddings", "{\"model\":\"house\",\"input\":\"card 4111 1111 1111 1111\"}");
        assertError(embedding, 400, "invalid_request_error", "guardrail_blocked");
    }
}
