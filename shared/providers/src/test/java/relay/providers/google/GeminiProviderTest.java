package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ChatParams;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.provider.RequestSigner;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeGoogle;
import relay.testing.FakeGoogle.Reply;

/** The Gemini API adapter against a loopback server that speaks the Gemini API and fails on cue. */
class GeminiProviderTest {
    static final String KEY = "AIzaSyD-test-key-0123456789abcdefghijk";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    static final String CHAT = "{\"model\":\"my-gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";

    static FakeGoogle google;
    static HttpClient http;
    GeminiProvider gemini;

    @BeforeAll
    static void start() {
        google = FakeGoogle.start();
        google.requireApiKey(KEY);
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        google.close();
    }

    @BeforeEach
    void reset() {
        google.reset();
        gemini = new GeminiProvider(http, CLOCK);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json) {
        return chatCall(json, google.baseUrl(), "gemini-2.5-flash", KEY);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json, String apiBase, String model, String key) {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(new Deployment("my-gemini", "gemini", model, apiBase, null, TIMEOUT), request, key, TIMEOUT);
    }

    List<ChatCompletionChunk> stream(ProviderCall<ChatCompletionRequest> call, List<ChatCompletionChunk> into) {
        gemini.streamChat(call, into::add);
        return into;
    }

    static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> text.append(choice.delta().text())));
        return text.toString();
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("gemini"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    @Test
    void chat_postsGenerateContent_withTheKeyInAHeaderNotTheUrl() {
        gemini.chat(chatCall(CHAT));

        FakeGoogle.Recorded sent = google.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", sent.path());
        assertEquals(KEY, sent.headers().get("x-goog-api-key"));
        assertNull(sent.headers().get("authorization"));
        assertTrue(sent.headers().get("content-type").startsWith("application/json"));
        assertEquals("one two three", sent.json().path("contents").get(0).path("parts").get(0).path("text").asText());
    }

    @Test
    void chat_mapsTheAnswer() {
        ChatCompletionResponse response = gemini.chat(chatCall(CHAT));

        assertEquals("fake-response-1", response.id());
        assertEquals(1_700_000_000L, response.created());
        assertEquals("gemini-2.5-flash", response.model());
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(15, response.usage().totalTokens());
    }

    @ParameterizedTest
    @CsvSource({"'', gemini-2.5-flash, /v1beta/models/gemini-2.5-flash:generateContent",
            "/, gemini-2.5-flash, /v1beta/models/gemini-2.5-flash:generateContent",
            "/v1, gemini-2.5-flash, /v1/models/gemini-2.5-flash:generateContent",
            "/v1beta/, models/gemini-2.5-flash, /v1beta/models/gemini-2.5-flash:generateContent",
            "/proxy/v1alpha, gemini-2.5-flash, /proxy/v1alpha/models/gemini-2.5-flash:generateContent"})
    void chat_apiBaseWithOrWithoutVersion_reachesTheModelsPath(String suffix, String model, String path) {
        gemini.chat(chatCall(CHAT, google.baseUrl() + suffix, model, KEY));

        assertEquals(path, google.lastRequest().path());
    }

    @Test
    void chat_aToolCallRoundTrip_sendsTheSignatureBack() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]";
        ChatCompletionResponse first = gemini.chat(chatCall("{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"cats\"}]," + tools + "}"));
        var call = first.choices().get(0).message().toolCalls().get(0);
        assertEquals("tool_calls", first.choices().get(0).finishReason());
        assertEquals("{\"query\":\"cats\"}", call.function().arguments());

        ChatCompletionResponse second = gemini.chat(chatCall("{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"cats\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + call.id() + "\",\"type\":\"function\","
                + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"query\\\":\\\"cats\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.id() + "\",\"content\":\"{\\\"hits\\\":3}\"}]," + tools + "}"));

        JsonNode modelTurn = google.lastRequest().json().path("contents").get(1);
        assertEquals("c2lnbmF0dXJl", modelTurn.path("parts").get(0).path("thoughtSignature").asText());
        assertEquals("Tool said: {\"hits\":3}", second.choices().get(0).message().text());
    }

    @Test
    void streamChat_asksForSse_andGivesOpenAiChunks() {
        List<ChatCompletionChunk> chunks = stream(chatCall(CHAT), new ArrayList<>());

        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", google.lastRequest().path());
        assertEquals("alt=sse", google.lastRequest().query());
        assertEquals(KEY, google.lastRequest().headers().get("x-goog-api-key"));
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("Echo: one two three", text(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(15, usage.usage().totalTokens());
        chunks.forEach(c -> assertEquals("fake-response-1", c.id()));
    }

    @Test
    void streamChat_endingWithoutFinishReason_isProviderError_afterTheChunksThatArrived() {
        google.enqueue(new Reply.Events(List.of("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}]}}]}")));
        List<ChatCompletionChunk> received = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), received));

        assertTrue(e.getMessage().contains("finishReason"), e.getMessage());
        assertEquals("Hel", text(received));
    }

    @Test
    void streamChat_anErrorEventMidStream_isMapped_withRetryInfoKept() {
        google.enqueue(new Reply.Events(List.of("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}]}}]}",
                Golden.text("fixtures/google-429-retry-info.json").replace("\n", ""))));

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> stream(chatCall(CHAT), new ArrayList<>()));

        assertEquals("35", e.headers().get("retry-after"));
    }

    @Test
    void streamChat_aMalformedEvent_isProviderError() {
        google.enqueue(new Reply.Events(List.of("{\"candidates\":[")));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), new ArrayList<>()));
    }

    @Test
    void chat_quotaExhausted_isRateLimit() {
        google.enqueue(new Reply.Status(429, Golden.text("fixtures/google-429-retry-info.json")));

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> gemini.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("You exceeded your current quota"), e.getMessage());
    }

    @Test
    void chat_aWrongKey_isAuthenticationError_withoutTheKey() {
        String wrong = "AIzaSyD-wrong-key-0123456789abcdefghij";

        RelayException e = assertThrows(RelayException.class, () -> gemini.chat(chatCall(CHAT, google.baseUrl(), "gemini-2.5-flash", wrong)));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("API key not valid"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());
    }

    @Test
    void chat_promptTooLong_isContextWindowExceeded() {
        google.enqueue(new Reply.Status(400, FakeGoogle.errorBody(400,
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", "INVALID_ARGUMENT")));

        assertFails(ErrorKind.CONTEXT_WINDOW_EXCEEDED, () -> gemini.chat(chatCall(CHAT)));
    }

    @Test
    void chat_anAnswerThatIsNotJson_isProviderError() {
        google.enqueue(new Reply.Body("{\"candidates\": ["));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> gemini.chat(chatCall(CHAT)));
    }

    @Test
    void chat_anAnswerWithoutCandidates_isProviderError() {
        google.enqueue(new Reply.Body("{\"usageMetadata\":{\"promptTokenCount\":3}}"));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> gemini.chat(chatCall(CHAT)));
    }

    @Test
    void chat_anApiBaseThatIsNoUrl_failsNamingTheDeployment() {
        RelayException e = assertThrows(RelayException.class, () -> gemini.chat(chatCall(CHAT, "not a url", "gemini-2.5-flash", KEY)));

        assertTrue(e.getMessage().contains("gemini/gemini-2.5-flash") && e.getMessage().contains("api_base"), e.getMessage());
    }

    @Test
    void chat_aModelIdThatIsNoPathSegment_isRejected() {
        RelayException e = assertThrows(RelayException.class, () -> gemini.chat(chatCall(CHAT, google.baseUrl(), "../admin", KEY)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(google.requests().isEmpty());
    }

    @Test
    void embed_batchEmbedContents_returnsTheVectorsInOrder() {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(
                "{\"model\":\"emb\",\"input\":[\"hello\",\"xy\"],\"dimensions\":3}".getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("emb", "gemini", "gemini-embedding-001", google.baseUrl(), null, TIMEOUT);

        EmbeddingResult result = gemini.embed(new ProviderCall<>(deployment, request, KEY, TIMEOUT));

        assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", google.lastRequest().path());
        assertEquals(KEY, google.lastRequest().headers().get("x-goog-api-key"));
        assertEquals(3, google.lastRequest().json().path("requests").get(0).path("outputDimensionality").asInt());
        assertArrayEquals(FakeGoogle.vectorFor("hello"), result.vectors().get(0));
        assertArrayEquals(FakeGoogle.vectorFor("xy"), result.vectors().get(1));
    }

    @Test
    void parametersGeminiCannotHonour_areTheGatewaysClear400() {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(
                "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true,\"n\":2,\"seed\":1}"
                        .getBytes(StandardCharsets.UTF_8)));

        RelayException e = assertThrows(RelayException.class, () -> ChatParams.fit(request, "gemini", gemini.supportedChatParams(), false));

        assertEquals("logprobs", e.param());
    }

    @Test
    void theRegistry_holdsGeminiAndVertex_withTheirKeyNames() {
        Map<String, String> keyNames = new java.util.HashMap<>();
        for (Provider p : Providers.all(http, CLOCK, RequestSigner.NONE)) keyNames.put(p.name(), p.defaultKeyName());

        assertEquals("GEMINI_API_KEY", keyNames.get("gemini"));
        assertEquals("VERTEX_SERVICE_ACCOUNT_JSON", keyNames.get("vertex_ai"));
    }
}
