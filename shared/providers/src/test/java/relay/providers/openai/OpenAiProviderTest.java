package relay.providers.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeOpenAi;
import relay.testing.FakeOpenAi.Reply;

/** The OpenAI adapter against a real loopback server that speaks OpenAI's API and fails on cue. */
class OpenAiProviderTest {
    static final String KEY = "sk-test-upstream-0123456789abcdef";
    /** A timeout a healthy loopback answer never comes near, however loaded the machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** An upstream that does not answer while the test runs: its answer would come after the test has ended. */
    static final Reply HUNG = new Reply.Slow(Duration.ofMinutes(2));
    static final String CHAT = "{\"model\":\"my-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";

    static FakeOpenAi upstream;
    static HttpClient http;
    OpenAiProvider openai;

    @BeforeAll
    static void start() {
        upstream = FakeOpenAi.start();
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
        openai = new OpenAiProvider(http);
    }

    static Deployment deployment(String apiBase) {
        return new Deployment("my-gpt", "openai", "gpt-4o", apiBase, "os.environ/OPENAI_API_KEY", TIMEOUT);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json) {
        return chatCall(json, upstream.baseUrl(), KEY, TIMEOUT);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json, String apiBase, String key, Duration timeout) {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(deployment(apiBase), request, key, timeout);
    }

    static ProviderCall<EmbeddingRequest> embedCall(String json) {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("emb", "openai", "text-embedding-3-small", upstream.baseUrl(), null, TIMEOUT);
        return new ProviderCall<>(deployment, request, KEY, TIMEOUT);
    }

    List<ChatCompletionChunk> stream(ProviderCall<ChatCompletionRequest> call, List<ChatCompletionChunk> into) {
        openai.streamChat(call, into::add);
        return into;
    }

    static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.ChunkChoice choice : chunk.choices()) {
                if (choice.delta() != null && choice.delta().content() != null) text.append(choice.delta().text());
            }
        }
        return text.toString();
    }

    /** Every provider failure is a RelayException of {@code kind} that names the provider and never holds the key. */
    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("openai"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    // ---- chat ----

    @Test
    void chat_passesUnknownFieldsThrough_replacesModel_andDropsRelayFields() {
        openai.chat(chatCall("{\"model\":\"my-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"logit_bias\":{\"50256\":-100},\"x_vendor\":{\"a\":[1,2]},\"temperature\":0.2,"
                + "\"metadata\":{\"team\":\"a\"},\"fallbacks\":[\"b\"],\"stream\":false}"));

        FakeOpenAi.Recorded sent = upstream.lastRequest();
        JsonNode body = sent.json();
        assertEquals("POST", sent.method());
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("gpt-4o", body.path("model").asText());
        assertEquals(-100, body.path("logit_bias").path("50256").asInt());
        assertEquals(2, body.path("x_vendor").path("a").get(1).asInt());
        assertEquals(0.2, body.path("temperature").asDouble());
        assertEquals("hi", body.path("messages").get(0).path("content").asText());
        assertFalse(body.has("metadata"));
        assertFalse(body.has("fallbacks"));
        assertFalse(body.has("stream"));
    }

    @Test
    void aNonJsonErrorPage_echoingTheKey_neverLeaksAnyPartOfIt_whereverItFalls() {
        String key = "tok-live-Q9w8E7r6T5y4U3i2O1pA"; // a key of no shape the patterns know: only the call's own key finds it
        for (int at = 275; at <= 300; at++) {
            upstream.enqueue(new Reply.Status(502, "<html><body>" + "p".repeat(at - 12) + "rejected: " + key
                    + "</body></html>", Map.of()));

            RelayException e = assertThrows(RelayException.class,
                    () -> openai.chat(chatCall(CHAT, upstream.baseUrl(), key, TIMEOUT)));

            assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
            for (int i = 0; i + 4 <= key.length(); i++) {
                assertFalse(e.getMessage().contains(key.substring(i, i + 4)), "at " + at + " leaks part of the key: " + e.getMessage());
            }
        }
    }

    @Test
    void chat_sendsTheKeyAsBearerToken() {
        openai.chat(chatCall(CHAT));

        Map<String, String> headers = upstream.lastRequest().headers();
        assertEquals("Bearer " + KEY, headers.get("authorization"));
        assertTrue(headers.get("content-type").startsWith("application/json"));
    }

    @Test
    void chat_withoutAKey_sendsNoAuthorizationHeader() {
        openai.chat(chatCall(CHAT, upstream.baseUrl(), null, TIMEOUT));

        assertNull(upstream.lastRequest().headers().get("authorization"));
    }

    @Test
    void chat_parsesTheAnswer_includingUsage() {
        ChatCompletionResponse response = openai.chat(chatCall(CHAT));

        assertEquals("chatcmpl-fake", response.id());
        assertEquals("chat.completion", response.object());
        assertEquals(1700000000L, response.created());
        assertEquals("gpt-4o", response.model());
        assertEquals("fp_fake", response.systemFingerprint());
        assertEquals(1, response.choices().size());
        assertEquals("assistant", response.choices().get(0).message().role());
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(10, response.usage().promptTokens());
        assertEquals(5, response.usage().completionTokens());
        assertEquals(15, response.usage().totalTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/"})
    void chat_apiBaseWithOrWithoutTrailingSlash_reachesTheSamePath(String suffix) {
        openai.chat(chatCall(CHAT, upstream.baseUrl() + suffix, KEY, TIMEOUT));

        assertEquals("/v1/chat/completions", upstream.lastRequest().path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "localhost:8080/v1", "ftp://example.com/v1"})
    void chat_withAnInvalidApiBase_failsNamingTheDeployment(String apiBase) {
        RelayException e = assertThrows(RelayException.class,
                () -> openai.chat(chatCall(CHAT, apiBase, KEY, TIMEOUT)));

        assertTrue(e.getMessage().contains("openai/gpt-4o"), e.getMessage());
        assertTrue(e.getMessage().contains("api_base"), e.getMessage());
    }

    // ---- streaming ----

    @Test
    void streamChat_givesTheChunksInOrder() {
        List<ChatCompletionChunk> chunks = stream(chatCall(CHAT), new CopyOnWriteArrayList<>());

        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("Echo: one two three", text(chunks));
        ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
        assertEquals("stop", finish.choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(15, usage.usage().totalTokens());
        for (ChatCompletionChunk chunk : chunks) {
            assertEquals("chat.completion.chunk", chunk.object());
            assertEquals("gpt-4o", chunk.model());
        }
    }

    @Test
    void streamChat_asksUpstreamToStreamWithUsage() {
        stream(chatCall(CHAT), new CopyOnWriteArrayList<>());

        JsonNode body = upstream.lastRequest().json();
        assertTrue(body.path("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
        assertEquals("gpt-4o", body.path("model").asText());
        assertEquals("Bearer " + KEY, upstream.lastRequest().headers().get("authorization"));
    }

    @Test
    void streamChat_keepsTheClientsOtherStreamOptions() {
        stream(chatCall("{\"model\":\"my-gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream_options\":{\"include_usage\":false,\"include_obfuscation\":false}}"), new CopyOnWriteArrayList<>());

        JsonNode options = upstream.lastRequest().json().path("stream_options");
        assertTrue(options.path("include_usage").asBoolean());
        assertTrue(options.has("include_obfuscation"), options.toString());
        assertFalse(options.path("include_obfuscation").asBoolean());
    }

    @Test
    void streamChat_truncatedStream_isProviderError_afterTheChunksThatArrived() {
        upstream.enqueue(new Reply.TruncatedStream());
        List<ChatCompletionChunk> received = new CopyOnWriteArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), received));

        assertTrue(e.getMessage().contains("[DONE]"), e.getMessage());
        assertEquals(2, received.size(), "the role chunk and the first word");
        assertEquals("Echo: ", text(received));
    }

    @Test
    void streamChat_upstreamErrorStatus_isMapped_withRetryAfterKept() {
        upstream.enqueue(new Reply.Status(429, FakeOpenAi.errorBody("Rate limit reached", "requests", "rate_limit_exceeded"),
                Map.of("retry-after", "7")));
        List<ChatCompletionChunk> received = new CopyOnWriteArrayList<>();

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> stream(chatCall(CHAT), received));

        assertEquals("7", e.headers().get("retry-after"));
        assertTrue(e.getMessage().contains("Rate limit reached"), e.getMessage());
        assertTrue(received.isEmpty());
    }

    @Test
    void streamChat_slowUpstream_isRequestTimeout() {
        upstream.enqueue(HUNG);

        assertFails(ErrorKind.REQUEST_TIMEOUT,
                () -> stream(chatCall(CHAT, upstream.baseUrl(), KEY, Duration.ofMillis(300)), new CopyOnWriteArrayList<>()));
    }

    // ---- embeddings ----

    @Test
    void embed_asksUpstreamForBase64_andDecodesTheVectors() {
        EmbeddingResult result = openai.embed(embedCall(
                "{\"model\":\"emb\",\"input\":[\"hello\",\"xy\"],\"encoding_format\":\"float\",\"x_vendor\":1}"));

        JsonNode sent = upstream.lastRequest().json();
        assertEquals("/v1/embeddings", upstream.lastRequest().path());
        assertEquals("base64", sent.path("encoding_format").asText());
        assertEquals("text-embedding-3-small", sent.path("model").asText());
        assertEquals(1, sent.path("x_vendor").asInt());
        assertEquals(2, result.vectors().size());
        assertArrayEquals(FakeOpenAi.vectorFor("hello"), result.vectors().get(0));
        assertArrayEquals(FakeOpenAi.vectorFor("xy"), result.vectors().get(1));
        assertEquals(6, result.promptTokens());
    }

    @Test
    void embed_malformedAnswer_isProviderError() {
        upstream.enqueue(new Reply.Malformed());

        assertFails(ErrorKind.PROVIDER_ERROR, () -> openai.embed(embedCall("{\"model\":\"emb\",\"input\":\"a\"}")));
    }

    @Test
    void embed_upstreamErrorStatus_isMapped() {
        upstream.enqueue(new Reply.Status(401, FakeOpenAi.errorBody("Incorrect API key provided: " + KEY, "invalid_request_error",
                "invalid_api_key"), Map.of()));

        assertFails(ErrorKind.AUTHENTICATION, () -> openai.embed(embedCall("{\"model\":\"emb\",\"input\":\"a\"}")));
    }

    // ---- errors ----

    @ParameterizedTest
    @ValueSource(strings = {KEY, "tok_live_custom-key-9f8e7d6c"})
    void chat_mapsProvider401ToAuthenticationError_withoutTheKey(String key) {
        upstream.enqueue(new Reply.Status(401, FakeOpenAi.errorBody("Incorrect API key provided: " + key
                + ". You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error",
                "invalid_api_key"), Map.of()));

        RelayException e = assertThrows(RelayException.class, () -> openai.chat(chatCall(CHAT, upstream.baseUrl(), key, TIMEOUT)));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertFalse(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains("openai"), e.getMessage());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertTrue(e.getMessage().contains("Incorrect API key provided"), e.getMessage());
    }

    @Test
    void chat_maps429ToRateLimit_keepingRetryAfter() {
        upstream.enqueue(new Reply.Status(429, FakeOpenAi.errorBody("Rate limit reached for gpt-4o", "requests",
                "rate_limit_exceeded"), Map.of("retry-after", "7")));

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> openai.chat(chatCall(CHAT)));

        assertEquals(Map.of("retry-after", "7"), e.headers());
    }

    @Test
    void chat_mapsContextLengthExceeded() {
        upstream.enqueue(new Reply.Status(400, FakeOpenAi.errorBody("This model's maximum context length is 128000 tokens.",
                "invalid_request_error", "context_length_exceeded"), Map.of()));

        RelayException e = assertFails(ErrorKind.CONTEXT_WINDOW_EXCEEDED, () -> openai.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("maximum context length"), e.getMessage());
    }

    @Test
    void chat_mapsContentFilterToContentPolicy() {
        upstream.enqueue(new Reply.Status(400, FakeOpenAi.errorBody("The response was filtered.", "invalid_request_error",
                "content_filter"), Map.of()));

        assertFails(ErrorKind.CONTENT_POLICY, () -> openai.chat(chatCall(CHAT)));
    }

    @Test
    void chat_maps400WithoutSpecialCodeToInvalidRequest() {
        upstream.enqueue(new Reply.Status(400, FakeOpenAi.errorBody("Invalid value for 'logit_bias'.", "invalid_request_error",
                null), Map.of()));

        RelayException e = assertFails(ErrorKind.INVALID_REQUEST, () -> openai.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("Invalid value for 'logit_bias'."), e.getMessage());
    }

    @Test
    void chat_maps500ToProviderError_and503ToProviderUnavailable() {
        upstream.enqueue(
                new Reply.Status(500, FakeOpenAi.errorBody("The server had an error.", "server_error", null), Map.of()),
                new Reply.Status(503, FakeOpenAi.errorBody("The engine is currently overloaded.", "server_error", null), Map.of()));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> openai.chat(chatCall(CHAT)));
        assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> openai.chat(chatCall(CHAT)));
    }

    @Test
    void chat_errorWithoutJsonBody_isMappedByStatusAlone() {
        upstream.enqueue(new Reply.Status(502, "<html>Bad Gateway</html>", Map.of()));

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> openai.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("502"), e.getMessage());
    }

    @Test
    void chat_malformedJson_isProviderError() {
        upstream.enqueue(new Reply.Malformed());

        assertFails(ErrorKind.PROVIDER_ERROR, () -> openai.chat(chatCall(CHAT)));
    }

    @Test
    void chat_slowReplyPastTheTimeout_isRequestTimeout() {
        upstream.enqueue(HUNG);

        RelayException e = assertFails(ErrorKind.REQUEST_TIMEOUT,
                () -> openai.chat(chatCall(CHAT, upstream.baseUrl(), KEY, Duration.ofMillis(300))));

        assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    }

    @Test
    void chat_slowReplyWithinTheTimeout_succeeds() {
        upstream.enqueue(new Reply.Slow(Duration.ofMillis(100)));

        assertEquals("Echo: one two three", openai.chat(chatCall(CHAT)).choices().get(0).message().text());
    }

    @Test
    void chat_connectionReset_isProviderUnavailable() {
        upstream.enqueue(new Reply.Reset());

        assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> openai.chat(chatCall(CHAT)));
    }

    @Test
    void chat_connectionRefused_isProviderUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        assertFails(ErrorKind.PROVIDER_UNAVAILABLE,
                () -> openai.chat(chatCall(CHAT, "http://127.0.0.1:" + closedPort + "/v1", KEY, TIMEOUT)));
    }

    @Test
    void aNamedOpenAiCompatibleProvider_namesItselfInErrors() {
        OpenAiProvider compatible = new OpenAiProvider(http, "groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY");
        upstream.enqueue(new Reply.Status(500, FakeOpenAi.errorBody("boom", "server_error", null), Map.of()));

        RelayException e = assertThrows(RelayException.class, () -> compatible.chat(chatCall(CHAT)));

        assertEquals("groq", compatible.name());
        assertEquals("GROQ_API_KEY", compatible.defaultKeyName());
        assertTrue(e.getMessage().startsWith("groq (gpt-4o)"), e.getMessage());
    }
}
