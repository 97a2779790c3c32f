package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static relay.core.api.RelayApiTest.assertError;
import static relay.core.api.RelayApiTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.Json;
import relay.core.access.AccessSettings;
import relay.core.access.AccessStore;
import relay.core.access.CostEstimate;
import relay.core.access.InMemoryAccessStore;
import relay.core.access.VirtualKeys;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;

/**
 * Virtual keys through Relay's HTTP surface: LiteLLM's admin API, and every request checked (key,
 * model, budget, rate limits) before any provider call, over the in-memory store.
 */
class VirtualKeyApiTest {
    /** Shaped like a virtual key on purpose: the master key must never be looked up as one. */
    static final String MASTER_KEY = "sk-relay-master-key-0123456789abcdef";
    static final String CONFIG = """
            model_list:
              - model_name: cheap
                litellm_params: {model: fake/gpt-4o-mini, api_key: os.environ/FAKE_KEY}
              - model_name: other
                litellm_params: {model: fake/gpt-4o-mini, api_key: os.environ/FAKE_KEY}
              - model_name: embedder
                litellm_params: {model: fake/text-embedding-3-small, api_key: os.environ/FAKE_KEY}
            """;
    static final ModelCatalog CATALOG = ModelCatalog.load();
    /** The fake's default answer (3 prompt + 4 completion tokens) at gpt-4o-mini's catalog prices. */
    static final BigDecimal ANSWER_COST = new BigDecimal("0.00000285");

    final TestClock clock = new TestClock(Instant.parse("2025-06-01T12:00:05Z"));
    final CountingStore store = new CountingStore(new InMemoryAccessStore());
    final SearchableLogs logs = new SearchableLogs();
    final AtomicInteger ids = new AtomicInteger();
    final List<ApiResponse> everyResponse = new java.util.concurrent.CopyOnWriteArrayList<>();
    RelayApiTest.FakeProvider provider;
    ModelRouter router;
    RelayApi api;

    @BeforeEach
    void wire() {
        provider = new RelayApiTest.FakeProvider();
        router = new ModelRouter(RelayConfig.parse(CONFIG), List.of(provider), Duration.ofSeconds(5), CATALOG);
        api = instance(AccessSettings.DEFAULTS);
    }

    /** One Relay instance (its own key cache) over the shared store. */
    RelayApi instance(AccessSettings settings) {
        KeyStore keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", "provider-secret", "RELAY_MASTER_KEY", MASTER_KEY));
        var routing = new Router(router, RouterPolicy.from(RelayConfig.parse("router_settings: {num_retries: 0}")), clock, new java.util.SplittableRandom(1));
        var auth = new Authenticator(keys, null, true);
        var virtualKeys = new VirtualKeys(store, router, clock, settings, auth::masterKey);
        return new RelayApi(new Gateway(router, routing, keys, clock, false), router, auth, logs, clock, Duration.ofDays(1), true, virtualKeys);
    }

    ApiResponse send(RelayApi target, String method, String path, Map<String, String> query, String body, String key) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        if (key != null) headers.put("authorization", "Bearer " + key);
        ApiResponse response = target.handle(new ApiRequest("req-" + ids.incrementAndGet(), method, path, headers, query,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), null));
        everyResponse.add(response);
        return response;
    }

    ApiResponse admin(String method, String path, String body) {
        return send(api, method, path, Map.of(), body, MASTER_KEY);
    }

    ApiResponse adminGet(String path, Map<String, String> query) {
        return send(api, "GET", path, query, null, MASTER_KEY);
    }

    /** A new key with these settings; returns the whole answer. */
    JsonNode generate(String settings) {
        ApiResponse response = admin("POST", "/key/generate", settings);
        assertEquals(200, response.status(), response.body());
        return json(response);
    }

    String newKey(String settings) {
        return generate(settings).path("key").asText();
    }

    ApiResponse chat(String key, String model) {
        return chat(api, key, model, "");
    }

    ApiResponse chat(RelayApi target, String key, String model, String extraFields) {
        return send(target, "POST", "/v1/chat/completions", Map.of(), "{\"model\":\"" + model + "\"" + extraFields
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", key);
    }

    /**
     * A budget that admits one call of "hi" at max_tokens 4 (its worst case) but, after that call's real
     * cost is spent, not a second.
     */
    BigDecimal budgetForOneCall() {
        String body = "{\"model\":\"cheap\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        BigDecimal worst = CostEstimate.chat(RequestParser.chat(RequestParser.parseObject(body.getBytes(StandardCharsets.UTF_8))), router).cost();
        assertTrue(worst.compareTo(ANSWER_COST) > 0, "the worst case is above the real cost");
        return worst.add(ANSWER_COST.divide(BigDecimal.TWO));
    }

    JsonNode keyInfo(String key) {
        ApiResponse response = adminGet("/key/info", Map.of("key", key));
        assertEquals(200, response.status(), response.body());
        return json(response).path("info");
    }

    // ---- the admin API ----

    @Test
    void generate_showsTheKeyOnce_andStoresOnlyItsHash() {
        JsonNode generated = generate("{\"key_alias\":\"ci-bot\",\"models\":[\"cheap\"],\"max_budget\":5,\"rpm_limit\":100,"
                + "\"budget_duration\":\"30d\",\"metadata\":{\"owner\":\"ci\"},\"user_id\":\"u1\"}");

        String key = generated.path("key").asText();
        assertTrue(key.matches("sk-[A-Za-z0-9_-]{43}"), key);
        String hash = Callers.hash(key);
        assertEquals(hash, generated.path("token").asText());
        assertEquals("sk-..." + key.substring(key.length() - 4), generated.path("key_name").asText());
        assertEquals("ci-bot", generated.path("key_alias").asText());
        assertEquals(5, generated.path("max_budget").asInt());
        assertEquals("30d", generated.path("budget_duration").asText());
        assertEquals("2025-07-01T12:00:05Z", generated.path("budget_reset_at").asText());
        assertEquals("ci", generated.path("metadata").path("owner").asText());
        var stored = store.find(AccessStore.Kind.KEY, hash);
        assertTrue(stored.isPresent());
        assertFalse(stored.get().document().contains(key), "the store never holds the key");
        assertFalse(stored.get().document().contains(key.substring(3)), "not even without its prefix");
    }

    @Test
    void adminRoundTrip_info_update_list_regenerate_delete() {
        String key = newKey("{\"key_alias\":\"app\",\"models\":[\"cheap\"]}");
        assertEquals(200, chat(key, "cheap").status());

        JsonNode info = keyInfo(key);
        assertEquals("app", info.path("key_alias").asText());
        assertEquals(0, ANSWER_COST.compareTo(info.path("spend").decimalValue()), info.toString());
        assertEquals(Callers.hash(key), json(adminGet("/key/info", Map.of("key", Callers.hash(key)))).path("key").asText(),
                "a key can be named by its hash too");

        ApiResponse updated = admin("POST", "/key/update", "{\"key\":\"" + key + "\",\"rpm_limit\":7,\"models\":[\"cheap\",\"other\"]}");
        assertEquals(200, updated.status(), updated.body());
        assertEquals(7, keyInfo(key).path("rpm_limit").asInt());
        assertEquals(200, chat(key, "other").status(), "the update took effect in this instance at once");

        JsonNode list = json(adminGet("/key/list", Map.of()));
        assertEquals(1, list.path("total_count").asInt());
        assertEquals(Callers.hash(key), list.path("keys").get(0).asText());
        JsonNode full = json(adminGet("/key/list", Map.of("return_full_object", "true", "key_alias", "app")));
        assertEquals("app", full.path("keys").get(0).path("key_alias").asText());

        ApiResponse regenerated = admin("POST", "/key/regenerate", "{\"key\":\"" + key + "\"}");
        assertEquals(200, regenerated.status(), regenerated.body());
        String fresh = json(regenerated).path("key").asText();
        assertNotEquals(key, fresh);
        assertError(chat(key, "cheap"), 401, "authentication_error", "invalid_api_key");
        assertEquals(200, chat(fresh, "cheap").status());
        assertEquals(0, ANSWER_COST.multiply(BigDecimal.valueOf(3)).compareTo(keyInfo(fresh).path("spend").decimalValue()),
                "the regenerated key keeps its spend");

        ApiResponse deleted = admin("POST", "/key/delete", "{\"keys\":[\"" + fresh + "\"]}");
        assertEquals(200, deleted.status(), deleted.body());
        assertEquals(Callers.hash(fresh), json(deleted).path("deleted_keys").get(0).asText());
        assertError(chat(fresh, "cheap"), 401, "authentication_error", "invalid_api_key");
        assertEquals(404, adminGet("/key/info", Map.of("key", fresh)).status());
    }

    @Test
    void regenerateByPath_takesTheTokenHash_neverTheKeyItself() {
        String key = newKey("{}");

        assertError(admin("POST", "/key/" + key + "/regenerate", null), 400, "invalid_request_error", null);
        ApiResponse byHash = admin("POST", "/key/" + Callers.hash(key) + "/regenerate", null);

        assertEquals(200, byHash.status(), byHash.body());
        assertEquals(200, chat(json(byHash).path("key").asText(), "cheap").status());
        assertEquals(401, chat(key, "cheap").status());
    }

    @Test
    void teamRoundTrip_new_info_update_list_delete() {
        ApiResponse created = admin("POST", "/team/new", "{\"team_id\":\"research\",\"team_alias\":\"Research\",\"max_budget\":2,\"models\":[\"cheap\"]}");
        assertEquals(200, created.status(), created.body());
        assertEquals("research", json(created).path("team_id").asText());
        String key = newKey("{\"team_id\":\"research\"}");
        assertEquals(200, chat(key, "cheap").status());

        JsonNode info = json(adminGet("/team/info", Map.of("team_id", "research")));
        assertEquals("Research", info.path("team_info").path("team_alias").asText());
        assertEquals(0, ANSWER_COST.compareTo(info.path("team_info").path("spend").decimalValue()), info.toString());
        assertEquals(Callers.hash(key), info.path("keys").get(0).path("token").asText());

        ApiResponse updated = admin("POST", "/team/update", "{\"team_id\":\"research\",\"rpm_limit\":1}");
        assertEquals(200, updated.status(), updated.body());
        assertEquals(1, json(updated).path("data").path("rpm_limit").asInt());
        assertEquals(1, json(adminGet("/team/list", Map.of())).size());

        ApiResponse deleted = admin("POST", "/team/delete", "{\"team_ids\":[\"research\"]}");
        assertEquals(200, deleted.status(), deleted.body());
        assertError(chat(key, "cheap"), 401, "authentication_error", "invalid_api_key");
        assertEquals(404, adminGet("/team/info", Map.of("team_id", "research")).status());
    }

    @Test
    void aKeyForATeamThatDoesNotExist_is400NamingTeamId() {
        ApiResponse response = admin("POST", "/key/generate", "{\"team_id\":\"ghosts\"}");
        assertError(response, 400, "invalid_request_error", null);
        assertEquals("team_id", json(response).path("error").path("param").asText());
    }

    static Stream<Arguments> badFields() {
        return Stream.of(
                Arguments.of("{\"max_budget\":-1}", "max_budget"),
                Arguments.of("{\"max_budget\":\"10\"}", "max_budget"),
                Arguments.of("{\"max_budget\":1e12}", "max_budget"),
                Arguments.of("{\"rpm_limit\":-5}", "rpm_limit"),
                Arguments.of("{\"rpm_limit\":1.5}", "rpm_limit"),
                Arguments.of("{\"rpm_limit\":\"many\"}", "rpm_limit"),
                Arguments.of("{\"tpm_limit\":99999999999999}", "tpm_limit"),
                Arguments.of("{\"max_parallel_requests\":-1}", "max_parallel_requests"),
                Arguments.of("{\"max_parallel_requests\":true}", "max_parallel_requests"),
                Arguments.of("{\"budget_duration\":\"soon\"}", "budget_duration"),
                Arguments.of("{\"budget_duration\":\"0d\"}", "budget_duration"),
                Arguments.of("{\"budget_duration\":\"99999d\"}", "budget_duration"),
                Arguments.of("{\"budget_duration\":30}", "budget_duration"),
                Arguments.of("{\"duration\":\"-1d\"}", "duration"),
                Arguments.of("{\"expires\":\"tomorrow\"}", "expires"),
                Arguments.of("{\"expires\":\"2001-01-01T00:00:00Z\"}", "expires"),
                Arguments.of("{\"models\":\"cheap\"}", "models"),
                Arguments.of("{\"models\":[\"cheap\", 3]}", "models[1]"),
                Arguments.of("{\"models\":[\"\"]}", "models[0]"),
                Arguments.of("{\"key_alias\":\"" + "a".repeat(300) + "\"}", "key_alias"),
                Arguments.of("{\"key_alias\":\"a\\u0000b\"}", "key_alias"),
                Arguments.of("{\"key_alias\":17}", "key_alias"),
                Arguments.of("{\"user_id\":[]}", "user_id"),
                Arguments.of("{\"metadata\":\"x\"}", "metadata"),
                Arguments.of("{\"metadata\":{\"big\":\"" + "x".repeat(20_000) + "\"}}", "metadata"),
                Arguments.of("{\"blocked\":\"yes\"}", "blocked"),
                Arguments.of("{\"team_id\":5}", "team_id"));
    }

    @ParameterizedTest
    @MethodSource("badFields")
    void badAdminField_is400NamingIt(String body, String param) {
        ApiResponse response = admin("POST", "/key/generate", body);

        assertError(response, 400, "invalid_request_error", null);
        assertEquals(param, json(response).path("error").path("param").asText(), response.body());
        assertTrue(store.all(AccessStore.Kind.KEY).isEmpty(), "nothing was created");
        ApiResponse team = admin("POST", "/team/new", body.replace("key_alias", "team_alias"));
        if (!param.equals("team_id") && !param.equals("user_id") && !param.startsWith("duration") && !param.equals("expires")) {
            assertEquals(400, team.status(), team.body());
        }
    }

    @Test
    void adminRoutes_wrongMethodIs405_unknownIs404_malformedJsonIs400() {
        assertError(admin("GET", "/key/generate", null), 405, "invalid_request_error", "method_not_allowed");
        assertError(admin("POST", "/key/nope", "{}"), 404, "invalid_request_error", "not_found");
        assertError(admin("POST", "/key/update", "{not json"), 400, "invalid_request_error", null);
        assertError(adminGet("/key/info", Map.of("key", "not-a-key")), 400, "invalid_request_error", null);
        assertError(adminGet("/key/list", Map.of("size", "1000")), 400, "invalid_request_error", null);
    }

    @Test
    void adminRoutes_needTheMasterKey_andNeverTakeAVirtualKey() {
        String key = newKey("{}");
        for (String[] route : new String[][] {{"POST", "/key/generate"}, {"GET", "/key/list"}, {"POST", "/team/new"},
                {"GET", "/spend/logs"}, {"GET", "/cache/ping"}, {"POST", "/cache/delete"}}) {
            ApiResponse response = send(api, route[0], route[1], Map.of(), "{}", key);
            assertError(response, 403, "permission_error", null);
        }
        assertError(send(api, "POST", "/key/generate", Map.of(), "{}", "sk-unknown-key-0123456789abcdef"), 401,
                "authentication_error", "invalid_api_key");
        assertEquals(1, store.all(AccessStore.Kind.KEY).size(), "no key was created by anyone but the master key");
    }

    @Test
    void adminCalls_areNotInTheRequestLog() {
        String key = newKey("{}");
        adminGet("/key/info", Map.of("key", key));
        assertTrue(logs.records.isEmpty(), () -> "logged: " + logs.records);
    }

    // ---- enforcement: 401 / 403 ----

    @Test
    void unknownBlockedAndExpiredKeys_are401_beforeAnyProviderCall() {
        assertError(chat("sk-unknown-key-0123456789abcdef", "cheap"), 401, "authentication_error", "invalid_api_key");
        String blocked = newKey("{\"blocked\":true}");
        ApiResponse refused = chat(blocked, "cheap");
        assertError(refused, 401, "authentication_error", "invalid_api_key");
        assertTrue(json(refused).path("error").path("message").asText().contains("blocked"));
        String expiring = newKey("{\"duration\":\"1h\"}");
        assertEquals(200, chat(expiring, "cheap").status());
        clock.advance(Duration.ofHours(1));
        ApiResponse expired = chat(expiring, "cheap");
        assertError(expired, 401, "authentication_error", "invalid_api_key");
        assertTrue(json(expired).path("error").path("message").asText().contains("expired"));
        assertEquals(1, provider.calls.size());
    }

    @Test
    void aModelTheKeyMayNotUse_is403NamingIt_andModelsListsOnlyAllowedOnes() {
        String key = newKey("{\"models\":[\"cheap\"]}");

        ApiResponse response = chat(key, "other");

        assertError(response, 403, "permission_error", null);
        assertEquals("model", json(response).path("error").path("param").asText());
        assertTrue(json(response).path("error").path("message").asText().contains("'other'"), response.body());
        assertTrue(provider.calls.isEmpty());
        JsonNode models = json(send(api, "GET", "/v1/models", Map.of(), null, key)).path("data");
        assertEquals(1, models.size(), models.toString());
        assertEquals("cheap", models.get(0).path("id").asText());
        ApiResponse embedding = send(api, "POST", "/v1/embeddings", Map.of(), "{\"model\":\"embedder\",\"input\":\"a\"}", key);
        assertError(embedding, 403, "permission_error", null);
        assertEquals(3, json(send(api, "GET", "/v1/models", Map.of(), null, MASTER_KEY)).path("data").size(),
                "the master key still sees every model");
    }

    @Test
    void allowedRoutes_limitWhatAKeyMayCall_withOrWithoutV1_andLiteLlmsRouteGroups() {
        JsonNode generated = generate("{\"allowed_routes\":[\"/v1/chat/completions\"]}");
        String key = generated.path("key").asText();
        assertEquals("[\"/chat/completions\"]", generated.path("allowed_routes").toString());

        assertEquals(200, chat(key, "cheap").status());
        ApiResponse embedding = send(api, "POST", "/embeddings", Map.of(), "{\"model\":\"embedder\",\"input\":\"a\"}", key);
        assertError(embedding, 403, "permission_error", null);
        assertEquals("This key may not call /embeddings; its allowed_routes are: /chat/completions.",
                json(embedding).path("error").path("message").asText());
        assertError(send(api, "GET", "/v1/models", Map.of(), null, key), 403, "permission_error", null);
        assertEquals(1, provider.calls.size(), "a refused route reaches no provider");

        String llm = newKey("{\"allowed_routes\":[\"llm_api_routes\"]}");
        assertEquals(200, send(api, "POST", "/v1/embeddings", Map.of(), "{\"model\":\"embedder\",\"input\":\"a\"}", llm).status());
        assertEquals(200, send(api, "GET", "/models", Map.of(), null, llm).status());

        admin("POST", "/key/update", "{\"key\":\"" + key + "\",\"allowed_routes\":[]}");
        assertEquals(200, send(api, "GET", "/v1/models", Map.of(), null, key).status(), "an empty list allows every route");

        ApiResponse bad = admin("POST", "/key/generate", "{\"allowed_routes\":[\"chat\"]}");
        assertError(bad, 400, "invalid_request_error", null);
        assertEquals("allowed_routes[0]", json(bad).path("error").path("param").asText());
    }

    @Test
    void theTeamsModels_limitItsKeys() {
        admin("POST", "/team/new", "{\"team_id\":\"t\",\"models\":[\"other\"]}");
        String key = newKey("{\"team_id\":\"t\",\"models\":[\"cheap\",\"other\"]}");

        ApiResponse response = chat(key, "cheap");

        assertError(response, 403, "permission_error", null);
        assertTrue(json(response).path("error").path("message").asText().contains("team"), response.body());
        assertEquals(200, chat(key, "other").status());
    }

    // ---- budgets ----

    @Test
    void overBudget_is400BudgetExceeded_asLiteLlm_withNoProviderCall() {
        String key = newKey("{\"max_budget\":0.0000001}");

        ApiResponse response = chat(key, "cheap");

        assertError(response, 400, "budget_exceeded", "budget_exceeded");
        assertTrue(json(response).path("error").path("message").asText().startsWith("Budget has been exceeded!"), response.body());
        assertTrue(provider.calls.isEmpty());
    }

    @Test
    void spend_isSettledToTheRealCost_andShownInXRelayKeySpend() {
        String key = newKey("{\"max_budget\":1}");

        ApiResponse first = chat(key, "cheap");
        ApiResponse second = chat(key, "cheap");

        assertEquals("0", first.headers().get("x-relay-key-spend"));
        assertEquals(ANSWER_COST.toPlainString(), second.headers().get("x-relay-key-spend"));
        JsonNode info = keyInfo(key);
        assertEquals(0, ANSWER_COST.multiply(BigDecimal.TWO).compareTo(info.path("spend").decimalValue()), info.toString());
        assertEquals(0, info.path("reserved_spend").decimalValue().signum(), "nothing stays reserved after the answers");
        assertNull(send(api, "POST", "/v1/chat/completions", Map.of(), "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", MASTER_KEY)
                .headers().get("x-relay-key-spend"), "the master key has no spend of its own");
    }

    @Test
    void aStreamedAnswer_isSettledAfterItsEnd() {
        String key = newKey("{\"max_budget\":1}");

        ApiResponse streamed = send(api, "POST", "/v1/chat/completions", Map.of(),
                "{\"model\":\"cheap\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", key);

        assertEquals(200, streamed.status(), streamed.body());
        assertEquals("0", streamed.headers().get("x-relay-key-spend"));
        assertEquals(0, ANSWER_COST.compareTo(keyInfo(key).path("spend").decimalValue()));
    }

    @Test
    void aFailedCall_releasesItsReservation() {
        String key = newKey("{\"max_budget\":1}");
        provider.chat = call -> { throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "boom"); };

        assertEquals(502, chat(key, "cheap").status());

        JsonNode info = keyInfo(key);
        assertEquals(0, info.path("spend").decimalValue().signum());
        assertEquals(0, info.path("reserved_spend").decimalValue().signum(), info.toString());
    }

    /**
     * The worst case is reserved before the call: 200 requests at once against a budget that covers 10
     * answers get exactly 10 answers, and the spend never passes the budget.
     */
    @Test
    void twoHundredRequestsAtOnce_getAtMostTheBudgetsTenAnswers() throws Exception {
        String body = "{\"model\":\"cheap\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        var estimate = CostEstimate.chat(RequestParser.chat(RequestParser.parseObject(body.getBytes(StandardCharsets.UTF_8))), router);
        // The fake answers with the worst case exactly, so the budget covers exactly ten answers.
        provider.chat = call -> Completions.response("c", 1, "m", "x", Usage.of((int) estimate.promptTokensAtMost(), 50));
        BigDecimal budget = estimate.cost().multiply(BigDecimal.TEN);
        String key = newKey("{\"max_budget\":" + budget.toPlainString() + "}");
        RelayApi second = instance(AccessSettings.DEFAULTS);

        List<ApiResponse> responses = concurrently(200, i -> send(i % 2 == 0 ? api : second, "POST", "/v1/chat/completions", Map.of(), body, key));

        long answered = responses.stream().filter(r -> r.status() == 200).count();
        assertEquals(10, answered, "the budget covers exactly ten answers");
        for (ApiResponse r : responses) {
            if (r.status() != 200) assertError(r, 400, "budget_exceeded", "budget_exceeded");
        }
        BigDecimal spend = keyInfo(key).path("spend").decimalValue();
        assertTrue(spend.compareTo(budget) <= 0, spend + " > " + budget);
        assertEquals(0, spend.compareTo(budget));
        assertEquals(10, provider.calls.size());
    }

    @Test
    void budgetDuration_resetsTheSpend() {
        String key = newKey("{\"max_budget\":" + budgetForOneCall().toPlainString() + ",\"budget_duration\":\"1h\"}");
        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4").status());
        assertError(chat(api, key, "cheap", ",\"max_tokens\":4"), 400, "budget_exceeded", "budget_exceeded");

        clock.advance(Duration.ofHours(1));

        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4").status());
        assertEquals(0, ANSWER_COST.compareTo(keyInfo(key).path("spend").decimalValue()), "the new period's spend");
    }

    /** A request whose instance died after the call never settles; its reservation lapses and frees the budget. */
    @Test
    void aReservationNeverSettled_isReleasedByItsExpiry() {
        String key = newKey("{\"max_budget\":" + budgetForOneCall().toPlainString() + "}");
        String body = "{\"model\":\"cheap\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Map<String, String> auth = Map.of("authorization", "Bearer " + key);
        BufferedSink sink = new BufferedSink();
        api.handle(new ApiRequest("dies", "POST", "/v1/chat/completions", auth, Map.of(), body.getBytes(StandardCharsets.UTF_8),
                clock.instant().plusSeconds(30)), sink); // its AfterAnswer never runs: the instance is gone
        assertEquals(200, sink.response().status());
        assertError(chat(api, key, "cheap", ",\"max_tokens\":4"), 400, "budget_exceeded", "budget_exceeded");

        clock.advance(Duration.ofSeconds(30).plus(relay.core.access.Ledger.RESERVATION_GRACE).plusSeconds(60));

        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4").status());
    }

    @Test
    void aTeamsBudget_bindsAllItsKeys() {
        admin("POST", "/team/new", "{\"team_id\":\"t\",\"max_budget\":" + budgetForOneCall().toPlainString() + "}");
        String one = newKey("{\"team_id\":\"t\"}");
        String two = newKey("{\"team_id\":\"t\",\"max_budget\":1,\"max_parallel_requests\":5}");

        assertEquals(200, chat(api, one, "cheap", ",\"max_tokens\":4").status());
        ApiResponse refused = chat(api, two, "cheap", ",\"max_tokens\":4");

        assertError(refused, 400, "budget_exceeded", "budget_exceeded");
        assertTrue(json(refused).path("error").path("message").asText().contains("Team 't'"), refused.body());
        JsonNode twoInfo = keyInfo(two);
        assertEquals(0, twoInfo.path("reserved_spend").decimalValue().signum(), "the key's own reservation was released: " + twoInfo);
        assertEquals(0, twoInfo.path("requests_in_flight").asInt(), twoInfo.toString());
        assertEquals(1, provider.calls.size());
    }

    @Test
    void endUsers_haveTheirOwnBudget_fromMaxEndUserBudget() {
        api = instance(new AccessSettings(AccessSettings.DEFAULT_KEY_CACHE_TTL, budgetForOneCall()));
        String key = newKey("{}");

        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4,\"user\":\"alice\"").status());
        ApiResponse refused = chat(api, key, "cheap", ",\"max_tokens\":4,\"user\":\"alice\"");
        assertError(refused, 400, "budget_exceeded", "budget_exceeded");
        assertTrue(json(refused).path("error").path("message").asText().contains("End user 'alice'"), refused.body());
        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4,\"user\":\"bob\"").status());
        assertEquals(200, chat(api, key, "cheap", ",\"max_tokens\":4").status(), "no user: no end-user budget");
    }

    // ---- rate limits ----

    @Test
    void overRpm_is429WithRetryAfterAndRateLimitHeaders_untilTheNextMinute() {
        String key = newKey("{\"rpm_limit\":2}");

        ApiResponse first = chat(key, "cheap");
        assertEquals(200, chat(key, "cheap").status());
        ApiResponse third = chat(key, "cheap");

        assertEquals("2", first.headers().get("x-ratelimit-limit-requests"));
        assertEquals("1", first.headers().get("x-ratelimit-remaining-requests"));
        assertError(third, 429, "rate_limit_error", "rate_limit_exceeded");
        assertEquals("55", third.headers().get("retry-after"), "until the minute ends (the clock is at :05)");
        assertEquals("0", third.headers().get("x-ratelimit-remaining-requests"));
        assertEquals("2", third.headers().get("x-ratelimit-limit-requests"));
        assertEquals(2, provider.calls.size());
        clock.advance(Duration.ofSeconds(55));
        assertEquals(200, chat(key, "cheap").status());
    }

    @Test
    void overTpm_is429WithTokenHeaders() {
        // The first call counts its prompt (about 5 tokens) at once and its real 7 tokens once answered.
        String key = newKey("{\"tpm_limit\":7}");

        ApiResponse first = chat(key, "cheap");
        ApiResponse second = chat(key, "cheap");

        assertEquals(200, first.status());
        assertEquals("7", first.headers().get("x-ratelimit-limit-tokens"));
        assertError(second, 429, "rate_limit_error", "rate_limit_exceeded");
        assertEquals("0", second.headers().get("x-ratelimit-remaining-tokens"));
        assertTrue(json(second).path("error").path("message").asText().contains("tpm_limit"));
    }

    @Test
    void overMaxParallelRequests_is429_andFreesWhenTheFirstEnds() throws Exception {
        String key = newKey("{\"max_parallel_requests\":1}");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        provider.chat = call -> {
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Completions.response("c", 1, "m", "x", Usage.of(3, 4));
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<ApiResponse> held = pool.submit(() -> chat(key, "cheap"));
            assertTrue(entered.await(30, TimeUnit.SECONDS));

            ApiResponse refused = chat(key, "cheap");

            assertError(refused, 429, "rate_limit_error", "rate_limit_exceeded");
            assertEquals("1", refused.headers().get("retry-after"));
            assertTrue(json(refused).path("error").path("message").asText().contains("max_parallel_requests"));
            release.countDown();
            assertEquals(200, held.get(30, TimeUnit.SECONDS).status());
            assertEquals(200, chat(key, "cheap").status());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void rpmUnderConcurrency_admitsExactlyTheLimit() throws Exception {
        String key = newKey("{\"rpm_limit\":10}");

        List<ApiResponse> responses = concurrently(200, i -> chat(key, "cheap"));

        assertEquals(10, responses.stream().filter(r -> r.status() == 200).count());
        assertEquals(190, responses.stream().filter(r -> r.status() == 429).count());
    }

    // ---- the key record cache ----

    @Test
    void aKeyBlockedOnAnotherInstance_stopsWorkingHereWithinTheCacheTtl() {
        String key = newKey("{}");
        RelayApi other = instance(AccessSettings.DEFAULTS);
        assertEquals(200, chat(other, key, "cheap", "").status()); // the other instance now holds the record

        assertEquals(200, admin("POST", "/key/update", "{\"key\":\"" + key + "\",\"blocked\":true}").status());

        assertEquals(401, chat(key, "cheap").status(), "this instance forgot its copy at once");
        assertEquals(200, chat(other, key, "cheap", "").status(), "the other still trusts its copy");
        clock.advance(AccessSettings.DEFAULT_KEY_CACHE_TTL);
        assertEquals(401, chat(other, key, "cheap", "").status(), "within the TTL");
    }

    @Test
    void theMasterKey_worksAsBefore_unlimited() {
        newKey("{\"max_budget\":0}");
        ApiResponse response = send(api, "POST", "/v1/chat/completions", Map.of(),
                "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", MASTER_KEY);
        assertEquals(200, response.status());
        RequestLog log = logs.records.get(logs.records.size() - 1);
        assertEquals("master", log.caller().keyAlias());
    }

    @Test
    void theRequestLog_namesTheVirtualKeyByHashAndAlias() {
        String key = newKey("{\"key_alias\":\"ci-bot\"}");
        chat(key, "cheap");
        RequestLog log = logs.records.get(logs.records.size() - 1);
        assertEquals(Callers.hash(key), log.caller().keyHash());
        assertEquals("ci-bot", log.caller().keyAlias());
    }

    @Test
    void noKeyValue_everAppearsInAResponseOrALogRecord_butGenerates() {
        String key = newKey("{\"key_alias\":\"k\",\"max_budget\":0.000001,\"rpm_limit\":1}");
        String blocked = newKey("{\"blocked\":true}");
        chat(key, "cheap");
        chat(key, "cheap");
        chat(key, "other");
        chat(blocked, "cheap");
        adminGet("/key/info", Map.of("key", key));
        admin("POST", "/key/update", "{\"key\":\"" + key + "\",\"rpm_limit\":5}");
        adminGet("/key/list", Map.of("return_full_object", "true"));
        send(api, "GET", "/spend/logs", Map.of(), null, key);
        admin("POST", "/key/delete", "{\"keys\":[\"" + key + "\"]}");
        chat(key, "cheap");

        for (ApiResponse response : everyResponse) {
            String everything = response.body() + response.headers();
            if (everything.contains("\"key\":\"sk-")) continue; // generate's answer shows its key, once
            for (String secret : List.of(key, blocked, key.substring(3), blocked.substring(3), MASTER_KEY)) {
                if (everything.contains(secret)) fail("response " + response.status() + " leaks a key: " + everything);
            }
        }
        String logged = logs.records.toString();
        for (String secret : List.of(key, blocked, key.substring(3), MASTER_KEY)) {
            assertFalse(logged.contains(secret), "a log record holds a key");
        }
    }

    @Test
    void spendLogs_filterByKeyAliasAndTeam() {
        admin("POST", "/team/new", "{\"team_id\":\"t\"}");
        String a = newKey("{\"key_alias\":\"a\",\"team_id\":\"t\"}");
        String b = newKey("{\"key_alias\":\"b\",\"team_id\":\"t\"}");
        String c = newKey("{\"key_alias\":\"c\"}");
        for (String key : List.of(a, b, b, c)) assertEquals(200, chat(key, "cheap").status());

        JsonNode byAlias = json(adminGet("/spend/logs", Map.of("key_alias", "b")));
        JsonNode byTeam = json(adminGet("/spend/logs", Map.of("team_id", "t")));
        JsonNode nobody = json(adminGet("/spend/logs", Map.of("key_alias", "nobody")));

        assertEquals(2, byAlias.size(), byAlias.toString());
        byAlias.forEach(row -> assertEquals("b", row.path("key_alias").asText()));
        assertEquals(3, byTeam.size(), byTeam.toString());
        byTeam.forEach(row -> assertTrue(List.of("a", "b").contains(row.path("key_alias").asText()), row.toString()));
        assertEquals(0, nobody.size());
    }

    @Test
    void aKeyThatIsNotShapedLikeOne_neverReachesTheStore() {
        newKey("{}");
        int before = store.calls.get();
        for (String wrong : List.of("not-a-key", "sk-short", "sk-" + "a".repeat(500), "sk-has spaces in it 0123456789",
                "sk-\u0000\u0001-0123456789abcdefghij", "' OR 1=1 --")) {
            assertEquals(401, send(api, "POST", "/v1/chat/completions", Map.of(),
                    "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", wrong).status(), wrong);
        }
        assertEquals(before, store.calls.get(), "no lookup for a key Relay could never have made");
        String unknown = "sk-unknown-but-well-shaped-0123456789";
        chat(unknown, "cheap");
        chat(unknown, "cheap");
        assertEquals(before + 1, store.calls.get(), "one lookup per cache TTL, the absence remembered too");
    }

    // ---- helpers ----

    /** The in-memory log, searchable by key hash as the DynamoDB store's by_key index is. */
    static final class SearchableLogs implements relay.core.log.RequestLogStore {
        final List<RequestLog> records = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void write(RequestLog record) {
            records.add(record);
        }

        @Override
        public List<RequestLog> find(relay.core.log.LogQuery query) {
            return records.stream().filter(r -> query.keyHash() == null || query.keyHash().equals(r.caller().keyHash()))
                    .sorted(java.util.Comparator.comparing(RequestLog::time).reversed()).limit(query.limit()).toList();
        }
    }

    /** Counts every call to the store. */
    static final class CountingStore implements AccessStore {
        final AccessStore inner;
        final AtomicInteger calls = new AtomicInteger();

        CountingStore(AccessStore inner) {
            this.inner = inner;
        }

        @Override public java.util.Optional<Stored> find(Kind kind, String id) { calls.incrementAndGet(); return inner.find(kind, id); }
        @Override public boolean put(Kind kind, String id, String document, long v) { calls.incrementAndGet(); return inner.put(kind, id, document, v); }
        @Override public boolean replace(Kind kind, String o, long v, String n, String d) { calls.incrementAndGet(); return inner.replace(kind, o, v, n, d); }
        @Override public boolean delete(Kind kind, String id) { calls.incrementAndGet(); return inner.delete(kind, id); }
        @Override public List<Stored> all(Kind kind) { calls.incrementAndGet(); return inner.all(kind); }
        @Override public CounterResult update(String id, relay.core.access.CounterUpdate u) { calls.incrementAndGet(); return inner.update(id, u); }
        @Override public Map<String, BigDecimal> counters(String id) { calls.incrementAndGet(); return inner.counters(id); }
        @Override public void deleteCounters(String id) { calls.incrementAndGet(); inner.deleteCounters(id); }
    }

    interface Call {
        ApiResponse run(int i) throws Exception;
    }

    /** Starts all calls at one moment (a latch), waits for all with a generous bound. */
    static List<ApiResponse> concurrently(int n, Call call) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ApiResponse>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.run(index);
                }));
            }
            start.countDown();
            List<ApiResponse> responses = new ArrayList<>();
            for (Future<ApiResponse> f : futures) responses.add(f.get(120, TimeUnit.SECONDS));
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A clock that stands still until the test moves it. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

}
