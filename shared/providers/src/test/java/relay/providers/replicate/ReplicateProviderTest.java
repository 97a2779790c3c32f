package relay.providers.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.providers.Providers;
import relay.testing.FakeReplicate;
import relay.testing.FakeReplicate.Reply;

/** The Replicate adapter against a loopback server speaking Replicate's predictions API. */
class ReplicateProviderTest {
    static final String KEY = "r8_test_key_0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final String CHAT = "{\"model\":\"my-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Capital of France?\"}]}";
    static final String ANSWER = String.join("", FakeReplicate.DEFAULT_ANSWER);

    static FakeReplicate upstream;
    static HttpClient http;
    ReplicateProvider replicate;

    @BeforeAll
    static void start() {
        upstream = FakeReplicate.start();
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
        // Polls quickly so the tests stay fast; production starts at 250 ms.
        replicate = new ReplicateProvider(http, Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC),
                Duration.ofMillis(10), Duration.ofMillis(40));
    }

    static ProviderCall<ChatCompletionRequest> call(String model, Duration timeout) {
        ChatCompletionRequest request = Golden.parse(CHAT);
        return new ProviderCall<>(new Deployment("my-llama", "replicate", model, upstream.baseUrl(), null, timeout), request, KEY, timeout);
    }

    static ProviderCall<ChatCompletionRequest> call(String model) {
        return call(model, TIMEOUT);
    }

    static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> { if (ch.delta().content() != null) text.append(ch.delta().text()); }));
        return text.toString();
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("replicate"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    // ---- chat ----

    @Test
    void chat_createsAPredictionOnTheOfficialModel_waitingSynchronously() {
        ChatCompletionResponse response = replicate.chat(call("meta/meta-llama-3-8b-instruct"));

        var sent = upstream.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/v1/models/meta/meta-llama-3-8b-instruct/predictions", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("wait=29", sent.headers().get("prefer"), "waits less than the call's 30 s timeout");
        assertTrue(sent.json().get("input").get("prompt").asText().contains("Capital of France?"));
        assertEquals(1, upstream.requests().size(), "a synchronous answer needs no polling");
        assertEquals(ANSWER, response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(12, response.usage().promptTokens());
        assertEquals(FakeReplicate.DEFAULT_ANSWER.size(), response.usage().completionTokens());
        assertEquals("meta/meta-llama-3-8b-instruct", response.model());
    }

    @Test
    void chat_onAPinnedVersion_postsToPredictionsWithTheVersion() {
        replicate.chat(call("acme/my-model:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"));

        var sent = upstream.lastRequest();
        assertEquals("/v1/predictions", sent.path());
        assertEquals("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", sent.json().get("version").asText());
    }

    @Test
    void chat_pollsAStillRunningPrediction_untilItSucceeds() {
        upstream.enqueue(new Reply.Pending(2));

        ChatCompletionResponse response = replicate.chat(call("meta/llama-2-70b-chat"));

        assertEquals(ANSWER, response.choices().get(0).message().text());
        var polls = upstream.requests("GET", "/v1/predictions/");
        assertEquals(3, polls.size(), "processing, processing, succeeded");
        assertEquals("Bearer " + KEY, polls.get(0).headers().get("authorization"));
    }

    @Test
    void chat_thatOutlastsTheTimeout_isATimeout_andCancelsThePrediction() {
        upstream.enqueue(new Reply.Pending(10_000));

        RelayException e = assertFails(ErrorKind.REQUEST_TIMEOUT, () -> replicate.chat(call("meta/llama-2-70b-chat", Duration.ofMillis(300))));

        assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
        assertEquals(1, upstream.requests("POST", "/v1/predictions/").stream().filter(r -> r.path().endsWith("/cancel")).count());
    }

    @Test
    void failedPrediction_isAProviderError_withReplicatesReason() {
        upstream.enqueue(new Reply.Fail("CUDA out of memory"));

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> replicate.chat(call("meta/llama-2-70b-chat")));

        assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
    }

    @Test
    void invalidInput_isABadRequest_withReplicatesDetail() {
        upstream.enqueue(new Reply.Status(422, FakeReplicate.errorBody(422, "Input validation failed", "input.temperature: Must be less than or equal to 5")));

        RelayException e = assertFails(ErrorKind.INVALID_REQUEST, () -> replicate.chat(call("meta/llama-2-70b-chat")));

        assertTrue(e.getMessage().contains("input.temperature"), e.getMessage());
    }

    @Test
    void badToken_isAnAuthenticationError_withoutTheKey() {
        upstream.enqueue(new Reply.Status(401, FakeReplicate.errorBody(401, "Unauthenticated", "Invalid token " + KEY)));

        assertFails(ErrorKind.AUTHENTICATION, () -> replicate.chat(call("meta/llama-2-70b-chat")));
    }

    @Test
    void pollUrlOnAnotherHost_isNotFollowed() {
        upstream.enqueue(new Reply.Pending(1), new Reply.ForeignUrls());

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> replicate.chat(call("meta/llama-2-70b-chat")));

        assertTrue(e.getMessage().contains("evil.example"), e.getMessage());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void toolsJsonModeAndN_areNotDeclared_soTheGatewayRefusesThemByName() {
        assertFalse(replicate.supportedChatParams().contains("tools"));
        assertFalse(replicate.supportedChatParams().contains("response_format"));
        assertFalse(replicate.supportedChatParams().contains("n"));
        assertTrue(replicate.supportedChatParams().containsAll(List.of("temperature", "top_p", "max_tokens", "stop", "seed")));
    }

    // ---- streaming ----

    @Test
    void stream_readsTheStreamUrl_andEndsWithFinishAndReplicatesTokenCounts() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), chunks::add);

        var create = upstream.requests("POST", "/v1/models/").get(0);
        assertTrue(create.json().get("stream").asBoolean());
        assertNull(create.headers().get("prefer"), "a stream wants the URLs at once");
        var read = upstream.requests("GET", "/stream/").get(0);
        assertEquals("text/event-stream", read.headers().get("accept"));
        assertEquals("Bearer " + KEY, read.headers().get("authorization"));
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals(ANSWER, text(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        var usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(12, usage.usage().promptTokens());
        assertEquals(FakeReplicate.DEFAULT_ANSWER.size(), usage.usage().completionTokens());
    }

    @Test
    void stream_keepsNewlinesInsideOutputEvents() {
        upstream.answer(List.of("line one\nline two", "\n", " end"));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), chunks::add);

        assertEquals("line one\nline two\n end", text(chunks));
    }

    @Test
    void stream_withoutTokenCounts_estimatesThem() {
        upstream.enqueue(new Reply.NoMetrics());
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), chunks::add);

        var usage = chunks.get(chunks.size() - 1).usage();
        assertTrue(usage.promptTokens() > 0 && usage.completionTokens() > 0, usage.toString());
    }

    @Test
    void stream_ofAModelThatCannotStream_waitsAndSendsTheWholeAnswer() {
        upstream.enqueue(new Reply.NoStream(), new Reply.Pending(1));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        replicate.streamChat(call("acme/batch-model"), chunks::add);

        assertEquals(ANSWER, text(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        assertTrue(upstream.requests("GET", "/stream/").isEmpty());
    }

    @Test
    void stream_withAnErrorEvent_isAProviderError_afterTheChunksThatCame() {
        upstream.enqueue(new Reply.Fail("CUDA out of memory"));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), chunks::add));

        assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
        assertEquals(FakeReplicate.DEFAULT_ANSWER.get(0), text(chunks));
    }

    @Test
    void stream_thatEndsWithoutDone_isAProviderError() {
        upstream.enqueue(new Reply.TruncatedStream());

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR,
                () -> replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), c -> { }));

        assertTrue(e.getMessage().contains("done"), e.getMessage());
    }

    @Test
    void stream_fromAnotherHost_isNotRead() {
        upstream.enqueue(new Reply.ForeignUrls());

        assertFails(ErrorKind.PROVIDER_ERROR, () -> replicate.streamChat(call("meta/meta-llama-3-8b-instruct"), c -> { }));

        assertEquals(1, upstream.requests().size());
    }
}
