package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.testing.FakeOpenAi;

/**
 * Two Relay servers on one DynamoDB (as two Lambda instances share one table): a key's budget and its
 * request rate hold across both, because they are reserved with conditional writes, not counted per process.
 */
class VirtualKeysTwoServersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    static EmbeddedDynamoDb dynamoDb;
    static FakeOpenAi upstream;
    static LocalServer one;
    static LocalServer two;

    @BeforeAll
    static void start() throws Exception {
        dynamoDb = EmbeddedDynamoDb.start();
        upstream = FakeOpenAi.start();
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: mini
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """.formatted(upstream.baseUrl()));
        var keys = new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", TestRelay.MASTER_KEY, "OPENAI_API_KEY", "sk-upstream-two"));
        var options = new LocalServer.Options(null, 0, null, "127.0.0.1", null, dynamoDb.endpoint());
        one = LocalServer.start(options, config, keys);
        two = LocalServer.start(options, config, keys);
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
        upstream.close();
        dynamoDb.close();
    }

    static HttpResponse<String> send(LocalServer server, String method, String path, String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** 200 chats at once, alternating between the two servers; their statuses and bodies. */
    static List<HttpResponse<String>> twoHundredAtOnce(String key) throws Exception {
        String chat = "{\"model\":\"mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                LocalServer server = i % 2 == 0 ? one : two;
                futures.add(clients.submit(() -> {
                    go.await();
                    return send(server, "POST", "/v1/chat/completions", key, chat);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) responses.add(f.get());
            return responses;
        }
    }

    @Test
    void aBudget_holdsAcrossTwoServers_onOneTable() throws Exception {
        String key = JSON.readTree(send(one, "POST", "/key/generate", TestRelay.MASTER_KEY, "{\"max_budget\":0.0001}").body())
                .path("key").asText();

        List<HttpResponse<String>> responses = twoHundredAtOnce(key);

        long answered = responses.stream().filter(r -> r.statusCode() == 200).count();
        for (HttpResponse<String> r : responses) {
            assertTrue(r.statusCode() == 200 || r.body().contains("budget_exceeded"), r.statusCode() + " " + r.body());
        }
        assertTrue(answered >= 1, "some answers fit the budget");
        // the spend is settled after each answer: read it on the other server once the answers are out
        JsonNode info = null;
        for (int i = 0; i < 200; i++) {
            info = JSON.readTree(send(two, "GET", "/key/info?key=" + key, TestRelay.MASTER_KEY, "").body());
            if (info.path("info").path("reserved_spend").asDouble(1) == 0) break;
            Thread.sleep(50);
        }
        BigDecimal spend = info.path("info").path("spend").decimalValue();
        assertTrue(spend.signum() > 0 && spend.compareTo(new BigDecimal("0.0001")) <= 0, "spend " + spend + " stays within the budget: " + info);
        assertTrue(answered < 200, "the budget stopped the rest");
    }

    @Test
    void anRpmLimit_holdsAcrossTwoServers() throws Exception {
        String key = JSON.readTree(send(one, "POST", "/key/generate", TestRelay.MASTER_KEY, "{\"rpm_limit\":10}").body())
                .path("key").asText();

        // rpm counts whole minutes: start early in one, so the 200 requests cannot straddle two windows
        while (java.time.LocalTime.now(java.time.ZoneOffset.UTC).getSecond() > 30) Thread.sleep(200);
        List<HttpResponse<String>> responses = twoHundredAtOnce(key);

        assertEquals(10, responses.stream().filter(r -> r.statusCode() == 200).count());
        assertEquals(190, responses.stream().filter(r -> r.statusCode() == 429).count());
    }
}
