package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.keys.AccessTable;
import relay.aws.keys.DynamoDbAccessStore;
import relay.core.Json;
import relay.core.access.AccessSettings;
import relay.core.access.CostEstimate;
import relay.core.access.Ledger;
import relay.core.access.VirtualKeys;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.api.Authenticator;
import relay.core.api.BufferedSink;
import relay.core.api.RelayApi;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLogStore;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Budgets and rate limits on DynamoDB hold across instances: two Relay instances (each its own
 * DynamoDB client, store and key cache) on one table, 200 requests from one key at once.
 */
class VirtualKeysOnDynamoDbTest {
    static final String MASTER_KEY = "relay-master-key-0123456789";
    static final String CONFIG = """
            model_list:
              - model_name: cheap
                litellm_params: {model: fake/gpt-4o-mini, api_key: os.environ/FAKE_KEY}
            """;
    static final String BODY = "{\"model\":\"cheap\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final ModelCatalog CATALOG = ModelCatalog.load();
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key"));

    static EmbeddedDynamoDb db;
    final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:05Z"));
    final FakeUpstream upstream = new FakeUpstream();
    final AtomicInteger ids = new AtomicInteger();
    final List<DynamoDbClient> clients = new ArrayList<>();
    ModelRouter router;
    RelayApi one;
    RelayApi two;

    @BeforeAll
    static void startDatabase() {
        db = EmbeddedDynamoDb.start();
        try (DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, db.endpoint())) {
            AccessTable.createIfMissing(client, AccessTable.LOCAL_NAME);
        }
    }

    @AfterAll
    static void stopDatabase() {
        if (db != null) db.close();
    }

    @BeforeEach
    void wire() {
        router = new ModelRouter(RelayConfig.parse(CONFIG), List.of(upstream), Duration.ofSeconds(30), CATALOG);
        one = instance();
        two = instance();
    }

    @AfterEach
    void close() {
        clients.forEach(DynamoDbClient::close);
    }

    /** One Relay instance: its own DynamoDB client, store and key cache, on the shared table. */
    RelayApi instance() {
        DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, db.endpoint());
        clients.add(client);
        KeyStore keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", "provider-secret", "RELAY_MASTER_KEY", MASTER_KEY));
        var routing = new Router(router, RouterPolicy.from(RelayConfig.parse("router_settings: {num_retries: 0}")), clock,
                new java.util.SplittableRandom(1));
        var auth = new Authenticator(keys, null, true);
        var virtualKeys = new VirtualKeys(new DynamoDbAccessStore(client, AccessTable.LOCAL_NAME), router, clock,
                AccessSettings.DEFAULTS, auth::masterKey);
        RequestLogStore noLog = record -> { };
        return new RelayApi(new Gateway(router, routing, keys, clock, false), router, auth, noLog, clock, Duration.ofDays(1),
                true, virtualKeys);
    }

    ApiResponse send(RelayApi target, String method, String path, Map<String, String> query, String body, String key) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        headers.put("authorization", "Bearer " + key);
        return target.handle(new ApiRequest("req-" + ids.incrementAndGet(), method, path, headers, query,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), null));
    }

    String newKey(String settings) {
        ApiResponse response = send(one, "POST", "/key/generate", Map.of(), settings, MASTER_KEY);
        assertEquals(200, response.status(), response.body());
        return json(response).path("key").asText();
    }

    JsonNode keyInfo(RelayApi target, String key) {
        ApiResponse response = send(target, "GET", "/key/info", Map.of("key", key), null, MASTER_KEY);
        assertEquals(200, response.status(), response.body());
        return json(response).path("info");
    }

    /** 200 chat requests at once, alternating between the two instances. */
    List<ApiResponse> twoHundredAtOnce(String key) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ApiResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                RelayApi target = i % 2 == 0 ? one : two;
                futures.add(pool.submit(() -> {
                    start.await();
                    return send(target, "POST", "/v1/chat/completions", Map.of(), BODY, key);
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

    @Test
    void budget_twoHundredRequestsOnTwoInstances_getAtMostTenAnswers_andSpendNeverPassesTheBudget() throws Exception {
        var estimate = CostEstimate.chat(RequestParser.chat(RequestParser.parseObject(BODY.getBytes(StandardCharsets.UTF_8))), router);
        // Each answer costs the worst case exactly: the budget covers exactly ten.
        upstream.chat = call -> Completions.response("c", 1, "m", "x", Usage.of((int) estimate.promptTokensAtMost(), 50));
        BigDecimal budget = estimate.cost().multiply(BigDecimal.TEN);
        String key = newKey("{\"max_budget\":" + budget.toPlainString() + "}");

        List<ApiResponse> responses = twoHundredAtOnce(key);

        long answered = responses.stream().filter(r -> r.status() == 200).count();
        assertTrue(answered <= 10, answered + " answers");
        assertEquals(10, answered, "no budget is lost either");
        for (ApiResponse r : responses) {
            if (r.status() != 200) {
                assertEquals(400, r.status(), r.body());
                assertEquals("budget_exceeded", json(r).path("error").path("type").asText(), r.body());
            }
        }
        assertEquals(10, upstream.calls.get());
        BigDecimal spend = keyInfo(two, key).path("spend").decimalValue();
        assertTrue(spend.compareTo(budget) <= 0, "spend " + spend + " over the budget " + budget);
        assertEquals(0, keyInfo(one, key).path("reserved_spend").decimalValue().signum(), "every reservation was settled");
        assertEquals(0, spend.compareTo(budget));
    }

    @Test
    void rpmLimit_twoHundredRequestsOnTwoInstances_admitExactlyTheLimit() throws Exception {
        String key = newKey("{\"rpm_limit\":10}");

        List<ApiResponse> responses = twoHundredAtOnce(key);

        assertEquals(10, responses.stream().filter(r -> r.status() == 200).count());
        for (ApiResponse r : responses) {
            if (r.status() != 200) {
                assertEquals(429, r.status(), r.body());
                assertEquals("0", r.headers().get("x-ratelimit-remaining-requests"));
                assertEquals("55", r.headers().get("retry-after"));
            }
        }
    }

    /** Ten calls are held in the upstream until every other request has been answered: those are all 429s. */
    @Test
    void maxParallelRequests_twoHundredRequestsOnTwoInstances_neverRunMoreThanTheLimit() throws Exception {
        String key = newKey("{\"max_parallel_requests\":10}");
        CountDownLatch tenInside = new CountDownLatch(10);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        upstream.chat = call -> {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            tenInside.countDown();
            try {
                if (!release.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return Completions.response("c", 1, "m", "x", Usage.of(3, 4));
        };
        CountDownLatch othersAnswered = new CountDownLatch(190);
        List<ApiResponse> answeredWhileHeld = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ApiResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                RelayApi target = i % 2 == 0 ? one : two;
                futures.add(pool.submit(() -> {
                    start.await();
                    ApiResponse response = send(target, "POST", "/v1/chat/completions", Map.of(), BODY, key);
                    answeredWhileHeld.add(response); // before the count: the future itself completes a moment later
                    othersAnswered.countDown();
                    return response;
                }));
            }
            start.countDown();
            assertTrue(tenInside.await(60, TimeUnit.SECONDS), "ten requests reach the upstream");
            // An eleventh admitted request would be held upstream too, and this would never count down.
            assertTrue(othersAnswered.await(60, TimeUnit.SECONDS), "the other 190 are answered while ten are held");
            List<ApiResponse> early = List.copyOf(answeredWhileHeld);
            assertEquals(190, early.size());
            for (ApiResponse r : early) {
                assertEquals(429, r.status(), r.body());
                assertTrue(json(r).path("error").path("message").asText().contains("max_parallel_requests"), r.body());
            }
            release.countDown();
            int answered = 0;
            for (Future<ApiResponse> f : futures) {
                if (f.get(60, TimeUnit.SECONDS).status() == 200) answered++;
            }
            assertEquals(10, answered);
            assertEquals(10, mostInside.get());
            assertEquals(0, keyInfo(one, key).path("requests_in_flight").asInt(), "every slot was given back");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aReservationWhoseRequestDied_isReleasedByExpiry_onDynamoDb() {
        var estimate = CostEstimate.chat(RequestParser.chat(RequestParser.parseObject(BODY.getBytes(StandardCharsets.UTF_8))), router);
        String key = newKey("{\"max_budget\":" + estimate.cost().multiply(new BigDecimal("1.5")).toPlainString() + "}");
        BufferedSink sink = new BufferedSink();
        one.handle(new ApiRequest("dies", "POST", "/v1/chat/completions", Map.of("authorization", "Bearer " + key), Map.of(),
                BODY.getBytes(StandardCharsets.UTF_8), clock.instant().plusSeconds(30)), sink); // its settlement never runs
        assertEquals(200, sink.response().status());
        assertEquals(400, send(two, "POST", "/v1/chat/completions", Map.of(), BODY, key).status());

        clock.advance(Duration.ofSeconds(30).plus(Ledger.RESERVATION_GRACE).plusSeconds(60));

        assertEquals(200, send(two, "POST", "/v1/chat/completions", Map.of(), BODY, key).status());
    }

    @Test
    void adminRoundTrip_onDynamoDb_seenByTheOtherInstance() {
        assertEquals(200, send(one, "POST", "/team/new", Map.of(), "{\"team_id\":\"ops\",\"max_budget\":3}", MASTER_KEY).status());
        String key = newKey("{\"team_id\":\"ops\",\"key_alias\":\"ops-bot\",\"models\":[\"cheap\"]}");
        assertEquals(200, send(two, "POST", "/v1/chat/completions", Map.of(), BODY, key).status());

        JsonNode info = keyInfo(two, key);
        assertEquals("ops-bot", info.path("key_alias").asText());
        assertEquals(0, new BigDecimal("0.00000285").compareTo(info.path("spend").decimalValue()), info.toString());
        JsonNode team = json(send(two, "GET", "/team/info", Map.of("team_id", "ops"), null, MASTER_KEY));
        assertEquals(0, new BigDecimal("0.00000285").compareTo(team.path("team_info").path("spend").decimalValue()), team.toString());
        String fresh = json(send(two, "POST", "/key/regenerate", Map.of(), "{\"key\":\"" + key + "\"}", MASTER_KEY)).path("key").asText();
        assertEquals(401, send(two, "POST", "/v1/chat/completions", Map.of(), BODY, key).status());
        assertEquals(200, send(one, "POST", "/v1/chat/completions", Map.of(), BODY, fresh).status());
        assertEquals(200, send(one, "POST", "/key/delete", Map.of(), "{\"key_aliases\":[\"ops-bot\"]}", MASTER_KEY).status());
        assertEquals(401, send(one, "POST", "/v1/chat/completions", Map.of(), BODY, fresh).status());
    }

    static JsonNode json(ApiResponse response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** A provider with a fixed answer (3 + 4 tokens unless told otherwise), counting its calls. */
    static final class FakeUpstream implements Provider {
        final AtomicInteger calls = new AtomicInteger();
        volatile Function<ProviderCall<ChatCompletionRequest>, ChatCompletionResponse> chat =
                call -> Completions.response("c", 1, "m", "Hello", Usage.of(3, 4));

        @Override
        public String name() { return "fake"; }

        @Override
        public String defaultKeyName() { return "FAKE_API_KEY"; }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            calls.incrementAndGet();
            return chat.apply(call);
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            calls.incrementAndGet();
            Completions.chunks("c", 1, "m", "Hello", Usage.of(3, 4)).forEach(chunks);
        }
    }
}
