package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.RequestLogTable;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The whole path on a laptop: the official OpenAI Java SDK -> the local server (Jetty -> RelayApi)
 * -> a real HTTP server speaking OpenAI's API; the request log read back from the embedded DynamoDB
 * after each call.
 */
class LocalServerEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String UPSTREAM_KEY = "sk-upstream-e2e-0123456789";

    static FakeOpenAi upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                  - model_name: text-embedding-3-small
                    litellm_params:
                      model: openai/text-embedding-3-small
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                router_settings:
                  allowed_fails: 1000   # cool-downs have their own tests; here they would couple tests
                """.formatted(upstream.baseUrl()), Map.of("OPENAI_API_KEY", UPSTREAM_KEY));
        client = sdk(MASTER_KEY);
    }

    static OpenAIClient sdk(String key) {
        return TestRelay.sdk(server, key);
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
    }

    @BeforeEach
    void clean() {
        upstream.reset();
    }

    RequestLog logOf(String requestId) {
        return TestRelay.log(server, requestId);
    }

    @Test
    void chat_returnsTheUpstreamAnswer_andLogsIt() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hello there").build());
        ChatCompletion completion = raw.parse();

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        var sent = upstream.lastRequest();
        assertEquals("Bearer " + UPSTREAM_KEY, sent.headers().get("authorization"));
        assertEquals("gpt-4o", sent.json().get("model").asText());
        assertEquals("openai/gpt-4o", raw.headers().values("x-relay-model").get(0));
        // 10 prompt tokens at 2.5e-06 and 5 completion tokens at 1e-05 (the catalog's gpt-4o prices)
        assertEquals("0.000075", raw.headers().values("x-relay-cost-usd").get(0));

        RequestLog log = logOf(raw.headers().values("x-relay-request-id").get(0));
        assertEquals(200, log.status());
        assertEquals("gpt-4o", log.requestedModel());
        assertEquals("openai/gpt-4o", log.deployment());
        assertEquals(10, log.promptTokens());
        assertEquals(5, log.completionTokens());
        assertEquals(new java.math.BigDecimal("0.000075"), log.costUsd());
        assertNull(log.errorType());
    }

    @Test
    void theLog_knowsWhoAsked_andKeepsTheBodies_butNeverTheKey() throws Exception {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("who am I").user("user-42")
                        .metadata(ChatCompletionCreateParams.Metadata.builder().putAdditionalProperty("team", com.openai.core.JsonValue.from("search")).build())
                        .build());
        String requestId = raw.headers().values("x-relay-request-id").get(0);

        RequestLog log = logOf(requestId);
        var item = server.dynamoDbClient().getItem(b -> b.tableName(LocalServer.REQUEST_LOG_TABLE)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))).item().toString();

        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(MASTER_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8))), log.caller().keyHash());
        assertEquals("master", log.caller().keyAlias());
        assertEquals("user-42", log.caller().user());
        assertEquals("search", log.caller().metadata().get("team"));
        assertEquals("openai", log.provider());
        assertNotNull(log.providerLatencyMillis());
        assertTrue(log.bodies().request().contains("who am I"));
        assertTrue(log.bodies().response().contains("Echo: who am I"));
        assertFalse(item.contains(MASTER_KEY), "the proxy key is never stored");
        assertFalse(item.contains(UPSTREAM_KEY), "the provider key is never stored");
    }

    @Test
    void spendLogs_listsAKeysRequestsByModel_forTheMasterKeyOnly() throws Exception {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("spend").build());
        String requestId = raw.headers().values("x-relay-request-id").get(0);
        TestRelay.log(server, requestId); // the log is written after the answer: wait (bounded) until it is
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(server.url() + "/spend/logs?api_key=" + MASTER_KEY + "&model=gpt-4o&limit=50");

        HttpResponse<String> rows = http.send(HttpRequest.newBuilder(uri).header("authorization", "Bearer " + MASTER_KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, rows.statusCode(), rows.body());
        var list = relay.core.Json.MAPPER.readTree(rows.body());
        assertTrue(list.isArray() && !list.isEmpty());
        assertTrue(rows.body().contains(requestId), "the new request is listed");
        assertEquals("gpt-4o", list.get(0).get("model").asText());
        assertFalse(rows.body().contains(MASTER_KEY));
        assertEquals(401, anonymous.statusCode());
    }

    @Test
    void streaming_deliversTheChunksInOrder() {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("one two three").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
        }

        assertEquals("Echo: one two three", text.toString());
        assertTrue(upstream.lastRequest().json().get("stream").asBoolean());
    }

    @Test
    void legacyCompletions_areServedByAChatModel() {
        var completion = client.completions().create(com.openai.models.completions.CompletionCreateParams.builder()
                .model("gpt-4o").prompt("Say this is a test").maxTokens(7).build());

        assertEquals("Echo: Say this is a test", completion.choices().get(0).text());
        assertEquals("gpt-4o", upstream.lastRequest().json().get("model").asText());
        assertEquals("Say this is a test", upstream.lastRequest().json().at("/messages/0/content").asText());
    }

    @Test
    void models_listsTheConfiguredGroups() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();

        assertTrue(ids.containsAll(List.of("gpt-4o", "text-embedding-3-small")), ids.toString());
    }

    @Test
    void embeddings_workInFloatAndBase64() {
        CreateEmbeddingResponse floats = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        CreateEmbeddingResponse base64 = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());

        List<Double> expected = List.of(5.0, (double) 'h', 0.5);
        assertEquals(expected, floats.data().get(0).embedding().stream().map(Float::doubleValue).toList());
        assertEquals(expected, base64.data().get(0).embedding().stream().map(Float::doubleValue).toList());
    }

    @Test
    void wrongKey_isTheSdksAuthenticationError_andIsLogged() {
        UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> sdk("sk-wrong").chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()));

        assertEquals(401, e.statusCode());
        assertTrue(upstream.requests().isEmpty(), "an unauthenticated call must not reach the provider");
        String requestId = e.headers().values("x-relay-request-id").get(0);
        assertEquals("authentication_error", logOf(requestId).errorType());
    }

    @Test
    void badRequest_isTheSdksBadRequestError_namingTheField() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").temperature(7.0).build()));

        assertEquals("temperature", e.param().orElseThrow());
        assertEquals(400, logOf(e.headers().values("x-relay-request-id").get(0)).status());
    }

    @Test
    void unknownModel_isNotFound() {
        assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("hi").build()));
    }

    @Test
    void upstreamFailure_isRetried_thenLoggedWithEveryAttempt() {
        // one call and the default two retries, all refused
        for (int i = 0; i < 3; i++) {
            upstream.enqueue(new FakeOpenAi.Reply.Status(503, FakeOpenAi.errorBody("overloaded", "server_error", null), Map.of()));
        }

        var e = assertThrows(com.openai.errors.OpenAIServiceException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()));

        assertEquals(503, e.statusCode());
        RequestLog log = logOf(e.headers().values("x-relay-request-id").get(0));
        assertEquals(503, log.status());
        assertNull(log.deployment(), "no deployment answered");
        assertEquals("api_error", log.errorType());
        assertEquals(3, upstream.requests().size());
        assertEquals(3, log.attempts().size());
        assertTrue(log.attempts().stream().allMatch(a -> a.status() == 503 && a.deployment().equals("openai/gpt-4o")));
    }

    @Test
    void bodyOver6MB_is413_andTheServerKeepsServing() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] huge = new byte[6 * 1024 * 1024 + 10];
        java.util.Arrays.fill(huge, (byte) 'a');
        HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + MASTER_KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(413, tooLarge.statusCode());
        assertTrue(tooLarge.body().contains("\"request_too_large\""), tooLarge.body());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
    }

    @Test
    void invalidUtf8_is400() throws Exception {
        byte[] body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"X\"}]}".getBytes();
        body[body.length - 5] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                        .header("authorization", "Bearer " + MASTER_KEY)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(400, response.statusCode(), response.body());
        assertNotNull(response.headers().firstValue("x-relay-request-id").orElse(null));
    }
}
