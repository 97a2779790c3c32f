package relay.providers.cohere;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
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
import relay.testing.FakeCohere;
import relay.testing.FakeCohere.Reply;
import relay.testing.FakeOpenAi;

/** The Cohere adapter against a loopback server speaking Cohere's v2 API. */
class CohereProviderTest {
    static final String KEY = "co-test-key-0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final String CHAT = "{\"model\":\"my-command\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
    static final String TOOLS = "{\"model\":\"my-command\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]}";

    static FakeCohere upstream;
    static HttpClient http;
    CohereProvider cohere;

    @BeforeAll
    static void start() {
        upstream = FakeCohere.start();
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
        cohere = new CohereProvider(http, Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json) {
        return chatCall(json, upstream.baseUrl());
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json, String apiBase) {
        ChatCompletionRequest request = Golden.parse(json);
        return new ProviderCall<>(new Deployment("my-command", "cohere", "command-r-08-2024", apiBase, null, TIMEOUT), request, KEY, TIMEOUT);
    }

    static ProviderCall<EmbeddingRequest> embedCall(String json) {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(new Deployment("emb", "cohere", "embed-v4.0", upstream.baseUrl(), null, TIMEOUT), request, KEY, TIMEOUT);
    }

    List<ChatCompletionChunk> stream(ProviderCall<ChatCompletionRequest> call, List<ChatCompletionChunk> into) {
        cohere.streamChat(call, into::add);
        return into;
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("cohere"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    // ---- chat ----

    @Test
    void chat_postsToV2Chat_withBearerKey_andTheDeploymentsModel() {
        ChatCompletionResponse response = cohere.chat(chatCall(CHAT));

        FakeCohere.Recorded sent = upstream.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/v2/chat", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("application/json", sent.headers().get("content-type"));
        assertEquals("command-r-08-2024", sent.json().get("model").asText());
        assertFalse(sent.json().has("stream"));
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(10, response.usage().promptTokens());
        assertEquals(15, response.usage().totalTokens());
        assertEquals("command-r-08-2024", response.model());
        assertEquals(1_700_000_000L, response.created());
    }

    @Test
    void chat_acceptsAnApiBaseThatAlreadyEndsInV2() {
        cohere.chat(chatCall(CHAT, upstream.baseUrl() + "/v2/"));

        assertEquals("/v2/chat", upstream.lastRequest().path());
    }

    @Test
    void chat_withTools_returnsTheToolCall_thenTheAnswerToTheToolResult() {
        ChatCompletionResponse call = cohere.chat(chatCall(TOOLS));

        var message = call.choices().get(0).message();
        assertEquals("tool_calls", call.choices().get(0).finishReason());
        assertEquals("weather", message.toolCalls().get(0).function().name());
        assertEquals("{\"city\":\"Paris\"}", message.toolCalls().get(0).function().arguments());

        ChatCompletionResponse answer = cohere.chat(chatCall("{\"model\":\"my-command\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_fake_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_fake_1\",\"content\":\"sunny\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}]}"));

        assertEquals("Tool said: sunny", answer.choices().get(0).message().text());
        var sent = upstream.lastRequest().json().get("messages");
        assertEquals("call_fake_1", sent.get(1).get("tool_calls").get(0).get("id").asText());
        assertEquals("call_fake_1", sent.get(2).get("tool_call_id").asText());
    }

    // ---- streaming ----

    @Test
    void stream_sendsStreamTrue_andGivesRoleTextFinishThenUsage() {
        List<ChatCompletionChunk> chunks = stream(chatCall(CHAT), new ArrayList<>());

        var sent = upstream.lastRequest();
        assertTrue(sent.json().get("stream").asBoolean());
        assertEquals("text/event-stream", sent.headers().get("accept"));
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> { if (ch.delta().content() != null) text.append(ch.delta().text()); }));
        assertEquals("Echo: one two three", text.toString());
        ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
        assertEquals("stop", finish.choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(15, usage.usage().totalTokens());
        assertTrue(chunks.stream().allMatch(c -> c.id().equals("cohere-fake")));
    }

    @Test
    void stream_withTools_streamsTheToolCallAsOpenAiDoes() {
        List<ChatCompletionChunk> chunks = stream(chatCall(TOOLS), new ArrayList<>());

        var starts = chunks.stream().flatMap(c -> c.choices().stream())
                .filter(c -> c.delta().toolCalls() != null && c.delta().toolCalls().get(0).id() != null).toList();
        assertEquals(1, starts.size());
        var start = starts.get(0).delta().toolCalls().get(0);
        assertEquals(0, start.index());
        assertEquals("function", start.type());
        assertEquals("weather", start.function().name());
        StringBuilder arguments = new StringBuilder();
        chunks.stream().flatMap(c -> c.choices().stream()).filter(c -> c.delta().toolCalls() != null)
                .forEach(c -> arguments.append(c.delta().toolCalls().get(0).function().arguments()));
        assertEquals("{\"city\":\"Paris\"}", arguments.toString());
        assertEquals("tool_calls", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
    }

    @Test
    void stream_thatEndsWithoutMessageEnd_isAProviderError_afterTheChunksThatCame() {
        upstream.enqueue(new Reply.TruncatedStream());
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), chunks));

        assertTrue(e.getMessage().contains("message-end"), e.getMessage());
        assertFalse(chunks.isEmpty());
    }

    @Test
    void stream_thatFailsBeforeStarting_isTheProvidersError() {
        upstream.enqueue(new Reply.Status(429, FakeCohere.errorBody("You are using a Trial key, which is limited to 20 API calls / minute.")));

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> stream(chatCall(CHAT), new ArrayList<>()));

        assertTrue(e.getMessage().contains("Trial key"), e.getMessage());
    }

    // ---- errors ----

    @Test
    void errors_keepCoheresMessage_andNeverTheKey() {
        upstream.enqueue(new Reply.Status(401, FakeCohere.errorBody("invalid api token " + KEY)));

        RelayException e = assertFails(ErrorKind.AUTHENTICATION, () -> cohere.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("invalid api token"), e.getMessage());
    }

    @Test
    void tooManyTokens_isAContextWindowError() {
        upstream.enqueue(new Reply.Status(400, FakeCohere.errorBody("too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.")));

        assertFails(ErrorKind.CONTEXT_WINDOW_EXCEEDED, () -> cohere.chat(chatCall(CHAT)));
    }

    @Test
    void aRetiredModel_isCoheresAnswerAsAnError() {
        upstream.enqueue(new Reply.Status(404, FakeCohere.errorBody("model 'command' not found, make sure the correct model ID was used")));

        RelayException e = assertFails(ErrorKind.NOT_FOUND, () -> cohere.chat(chatCall(CHAT)));

        assertTrue(e.getMessage().contains("model 'command' not found"), e.getMessage());
    }

    @Test
    void unreadableAnswer_isAProviderError() {
        upstream.enqueue(new Reply.Malformed());

        assertFails(ErrorKind.PROVIDER_ERROR, () -> cohere.chat(chatCall(CHAT)));
    }

    @Test
    void unsupportedParams_areDeclared_soTheGatewayRefusesThemByName() {
        assertTrue(cohere.supportedChatParams().containsAll(List.of("tools", "tool_choice", "response_format", "seed", "stop")));
        assertFalse(cohere.supportedChatParams().contains("n"));
        assertFalse(cohere.supportedChatParams().contains("logit_bias"));
    }

    // ---- embeddings ----

    @Test
    void embed_postsToV2Embed_andReturnsTheVectorsAndTokens() {
        EmbeddingResult result = cohere.embed(embedCall("{\"model\":\"emb\",\"input\":[\"hello\",\"hi\"]}"));

        var sent = upstream.lastRequest();
        assertEquals("/v2/embed", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("search_document", sent.json().get("input_type").asText());
        assertEquals("float", sent.json().get("embedding_types").get(0).asText());
        assertArrayEquals(FakeOpenAi.vectorFor("hello"), result.vectors().get(0));
        assertArrayEquals(FakeOpenAi.vectorFor("hi"), result.vectors().get(1));
        assertEquals(6, result.promptTokens());
    }

    @Test
    void embed_honoursTheClientsInputType() {
        cohere.embed(embedCall("{\"model\":\"emb\",\"input\":\"query text\",\"input_type\":\"search_query\"}"));

        assertEquals("search_query", upstream.lastRequest().json().get("input_type").asText());
    }

    @Test
    void embed_ofMoreThan96Texts_isSentInBatches_inOrder() {
        String inputs = String.join(",", IntStream.range(0, 100).mapToObj(i -> "\"text " + i + "\"").toList());

        EmbeddingResult result = cohere.embed(embedCall("{\"model\":\"emb\",\"input\":[" + inputs + "]}"));

        assertEquals(2, upstream.requests().size());
        assertEquals(96, upstream.requests().get(0).json().get("texts").size());
        assertEquals(4, upstream.requests().get(1).json().get("texts").size());
        assertEquals(100, result.vectors().size());
        assertArrayEquals(FakeOpenAi.vectorFor("text 99"), result.vectors().get(99));
        assertEquals(300, result.promptTokens());
    }

    @Test
    void embed_ofTokenIds_isRefused() {
        RelayException e = assertThrows(RelayException.class,
                () -> cohere.embed(embedCall("{\"model\":\"emb\",\"input\":[[1,2,3]]}")));

        assertEquals("input", e.param());
        assertTrue(upstream.requests().isEmpty(), "nothing is sent");
    }
}
