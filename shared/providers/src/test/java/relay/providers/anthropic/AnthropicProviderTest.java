package relay.providers.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ChatParams;
import relay.core.provider.Deployment;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeAnthropic;
import relay.testing.FakeAnthropic.Reply;

/** The Anthropic adapter against a real loopback server that speaks Anthropic's Messages API. */
class AnthropicProviderTest {
    static final String KEY = "sk-ant-test-upstream-0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final String CHAT = "{\"model\":\"my-claude\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"one two three\"}]}";

    static FakeAnthropic upstream;
    static HttpClient http;
    AnthropicProvider anthropic;

    @BeforeAll
    static void start() {
        upstream = FakeAnthropic.start();
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        anthropic = new AnthropicProvider(http, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json) {
        return chatCall(json, upstream.baseUrl(), KEY);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json, String apiBase, String key) {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("my-claude", "anthropic", "claude-sonnet-4-5", apiBase, null, TIMEOUT);
        return new ProviderCall<>(deployment, request, key, TIMEOUT);
    }

    List<ChatCompletionChunk> stream(ProviderCall<ChatCompletionRequest> call, List<ChatCompletionChunk> into) {
        anthropic.streamChat(call, into::add);
        return into;
    }

    static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            for (var choice : chunk.choices()) if (choice.delta().content() != null) text.append(choice.delta().text());
        }
        return text.toString();
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("anthropic (claude-sonnet-4-5)"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    // ---- identity ----

    @Test
    void isNamedAnthropic_withItsDefaultKeyName() {
        assertEquals("anthropic", anthropic.name());
        assertEquals("ANTHROPIC_API_KEY", anthropic.defaultKeyName());
    }

    @Test
    void supportedParams_leaveOutWhatAnthropicCannotDo() {
        Set<String> supported = anthropic.supportedChatParams();

        assertTrue(ChatParams.OPTIONAL.containsAll(supported), supported.toString());
        assertTrue(supported.containsAll(Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens", "stop",
                "response_format", "tools", "tool_choice", "functions", "function_call")), supported.toString());
        for (String absent : List.of("n", "seed", "logit_bias", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty")) {
            assertFalse(supported.contains(absent), absent);
        }
    }

    @Test
    void nAboveOne_isA400NamingIt_throughTheGatewaysParamCheck() {
        ChatCompletionRequest request = chatCall("{\"model\":\"m\",\"n\":2,\"seed\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").request();

        RelayException e = assertThrows(RelayException.class,
                () -> ChatParams.fit(request, "anthropic", anthropic.supportedChatParams(), false));

        assertEquals("n", e.param());
    }

    @Test
    void embeddings_areNotServed() {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(
                "{\"model\":\"e\",\"input\":\"hi\"}".getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("e", "anthropic", "claude", upstream.baseUrl(), null, TIMEOUT);

        RelayException e = assertThrows(RelayException.class,
                () -> anthropic.embed(new ProviderCall<>(deployment, request, KEY, TIMEOUT)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(upstream.requests().isEmpty());
    }

    // ---- chat ----

    @Test
    void chat_postsToV1Messages_withTheKeyAndVersionHeaders() {
        anthropic.chat(chatCall(CHAT));

        FakeAnthropic.Recorded sent = upstream.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/v1/messages", sent.path());
        assertEquals(KEY, sent.headers().get("x-api-key"));
        assertEquals("2023-06-01", sent.headers().get("anthropic-version"));
        assertTrue(sent.headers().get("content-type").startsWith("application/json"));
        assertNull(sent.headers().get("authorization"), "Anthropic takes the key in x-api-key only");
    }

    @Test
    void chat_sendsTheTranslatedBody() {
        anthropic.chat(chatCall(CHAT));

        JsonNode body = upstream.lastRequest().json();
        assertEquals("claude-sonnet-4-5", body.path("model").asText());
        assertEquals(4096, body.path("max_tokens").asInt());
        assertEquals("Be brief.", body.path("system").get(0).path("text").asText());
        assertEquals(1, body.path("messages").size());
        assertEquals("one two three", body.path("messages").get(0).path("content").get(0).path("text").asText());
        assertFalse(body.has("stream"));
    }

    @Test
    void chat_withoutAKey_sendsNoKeyHeader() {
        anthropic.chat(chatCall(CHAT, upstream.baseUrl(), null));

        assertNull(upstream.lastRequest().headers().get("x-api-key"));
    }

    @Test
    void chat_returnsTheAnswerInOpenAiShape() {
        ChatCompletionResponse response = anthropic.chat(chatCall(CHAT));

        assertEquals("msg_fake", response.id());
        assertEquals("chat.completion", response.object());
        assertEquals(NOW.getEpochSecond(), response.created());
        assertEquals("claude-sonnet-4-5", response.model());
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(15, response.usage().totalTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/v1", "/v1/", "/v1/messages"})
    void chat_apiBaseAsHost_asV1_orAsTheFullUrl_reachesV1Messages(String suffix) {
        anthropic.chat(chatCall(CHAT, upstream.baseUrl() + suffix, KEY));

        assertEquals("/v1/messages", upstream.lastRequest().path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "ftp://example.com"})
    void chat_withAnInvalidApiBase_failsNamingTheDeployment(String apiBase) {
        RelayException e = assertThrows(RelayException.class, () -> anthropic.chat(chatCall(CHAT, apiBase, KEY)));

        assertTrue(e.getMessage().contains("anthropic/claude-sonnet-4-5"), e.getMessage());
        assertTrue(e.getMessage().contains("api_base"), e.getMessage());
    }

    @Test
    void chat_malformedAnswer_isProviderError() {
        upstream.enqueue(new Reply.Message("{\"id\":\"msg_1\",\"content\":"), new Reply.Message("{\"id\":\"msg_2\"}"));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> anthropic.chat(chatCall(CHAT)));
        assertFails(ErrorKind.PROVIDER_ERROR, () -> anthropic.chat(chatCall(CHAT)));
    }

    // ---- errors ----

    @Test
    void chat_overloaded529_isProviderUnavailable_withRetryAfterKept() {
        upstream.enqueue(new Reply.Status(529, FakeAnthropic.errorBody("overloaded_error", "Overloaded"), Map.of("retry-after", "3")));

        RelayException e = assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> anthropic.chat(chatCall(CHAT)));

        assertEquals("3", e.headers().get("retry-after"));
        assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
    }

    @Test
    void chat_promptTooLong_isContextWindowExceeded() {
        upstream.enqueue(new Reply.Status(400, FakeAnthropic.errorBody("invalid_request_error",
                "prompt is too long: 215733 tokens > 200000 maximum"), Map.of()));

        assertFails(ErrorKind.CONTEXT_WINDOW_EXCEEDED, () -> anthropic.chat(chatCall(CHAT)));
    }

    @Test
    void chat_invalidKey_isAuthentication_andTheKeyIsNotEchoed() {
        upstream.enqueue(new Reply.Status(401, FakeAnthropic.errorBody("authentication_error", "invalid x-api-key " + KEY), Map.of()));

        RelayException e = assertFails(ErrorKind.AUTHENTICATION, () -> anthropic.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("invalid x-api-key"), e.getMessage());
    }

    @Test
    void chat_aRequestAnthropicCannotTake_failsBeforeAnyCall() {
        RelayException e = assertThrows(RelayException.class, () -> anthropic.chat(chatCall(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"file:///x.png\"}}]}]}")));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(upstream.requests().isEmpty());
    }

    // ---- streaming ----

    @Test
    void streamChat_asksToStream_andGivesRoleTextFinishAndUsageChunks() {
        List<ChatCompletionChunk> chunks = stream(chatCall(CHAT), new ArrayList<>());

        FakeAnthropic.Recorded sent = upstream.lastRequest();
        assertTrue(sent.json().path("stream").asBoolean());
        assertEquals("text/event-stream", sent.headers().get("accept"));
        assertEquals(KEY, sent.headers().get("x-api-key"));
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("Echo: one two three", text(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(15, usage.usage().totalTokens());
        for (ChatCompletionChunk chunk : chunks) {
            assertEquals("msg_fake", chunk.id());
            assertEquals(NOW.getEpochSecond(), chunk.created());
            assertEquals("claude-sonnet-4-5", chunk.model());
        }
    }

    @Test
    void streamChat_endingWithoutMessageStop_isProviderError_afterTheChunksThatArrived() {
        upstream.enqueue(new Reply.Events(List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_t\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":1}}}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half\"}}")));
        List<ChatCompletionChunk> received = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), received));

        assertTrue(e.getMessage().contains("message_stop"), e.getMessage());
        assertEquals("Half", text(received));
    }

    @Test
    void streamChat_errorEventAfter200_isMapped() {
        upstream.enqueue(new Reply.Events(List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_t\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":1}}}",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));

        RelayException e = assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> stream(chatCall(CHAT), new ArrayList<>()));

        assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
    }

    @Test
    void streamChat_errorStatus_isMappedBeforeAnyChunk() {
        upstream.enqueue(new Reply.Status(429, FakeAnthropic.errorBody("rate_limit_error", "Slow down"), Map.of("retry-after", "9")));
        List<ChatCompletionChunk> received = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> stream(chatCall(CHAT), received));

        assertEquals("9", e.headers().get("retry-after"));
        assertTrue(received.isEmpty());
    }

    @Test
    void streamChat_ofOnlyPings_isProviderError() {
        upstream.enqueue(new Reply.Events(List.of("{\"type\":\"ping\"}")));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), new ArrayList<>()));
    }
}
