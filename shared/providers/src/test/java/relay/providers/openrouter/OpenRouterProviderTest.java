package relay.providers.openrouter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.compatible.Golden.CLOCK;
import static relay.providers.compatible.Golden.KEY;
import static relay.providers.compatible.Golden.assertFails;
import static relay.providers.compatible.Golden.assertJson;
import static relay.providers.compatible.Golden.assertJsonLines;
import static relay.providers.compatible.Golden.chatCall;
import static relay.providers.compatible.Golden.json;
import static relay.providers.compatible.Golden.jsonLines;
import static relay.providers.compatible.Golden.lines;
import static relay.providers.compatible.Golden.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.providers.Providers;
import relay.testing.FakeOpenAiCompatible;
import relay.testing.FakeOpenAiCompatible.Reply;

/** OpenRouter against a loopback server standing in for https://openrouter.ai/api/v1. */
class OpenRouterProviderTest {
    static final String CHAT = "{\"model\":\"openrouter/anthropic/claude-3.5-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}";

    static FakeOpenAiCompatible upstream;
    static HttpClient http;

    @BeforeAll
    static void start() {
        upstream = FakeOpenAiCompatible.start();
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
    }

    static ProviderCall<ChatCompletionRequest> call(String model) {
        return chatCall("openrouter", model, upstream.origin() + "/api/v1", CHAT);
    }

    final OpenRouterProvider openrouter = new OpenRouterProvider(http, null, null, CLOCK);

    @Test
    void identity_isOpenRouterAtItsApi_withOpenRouterApiKey() {
        assertEquals("openrouter", openrouter.name());
        assertEquals("OPENROUTER_API_KEY", openrouter.defaultKeyName());
        assertEquals("https://openrouter.ai/api/v1", OpenRouterProvider.HOST.defaultApiBase());
        assertNull(openrouter.supportedChatParams());
    }

    @Test
    void chat_sendsTheVendorSlashModel_withBearerKey_toChatCompletions() {
        openrouter.chat(call("anthropic/claude-3.5-sonnet"));

        FakeOpenAiCompatible.Recorded sent = upstream.lastRequest();
        assertEquals("/api/v1/chat/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("anthropic/claude-3.5-sonnet", sent.json().path("model").asText());
    }

    @Test
    void attributionHeaders_areSentWhenConfigured() {
        new OpenRouterProvider(http, "https://myapp.example", "My App", CLOCK).chat(call("openai/gpt-4o"));

        assertEquals("https://myapp.example", upstream.lastRequest().headers().get("http-referer"));
        assertEquals("My App", upstream.lastRequest().headers().get("x-title"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void attributionHeaders_areNotSentByDefault(String blank) {
        openrouter.chat(call("openai/gpt-4o"));
        assertNull(upstream.lastRequest().headers().get("http-referer"));
        assertNull(upstream.lastRequest().headers().get("x-title"));

        new OpenRouterProvider(http, blank, blank, CLOCK).chat(call("openai/gpt-4o"));
        assertNull(upstream.lastRequest().headers().get("http-referer"));
        assertNull(upstream.lastRequest().headers().get("x-title"));
    }

    @Test
    void answer_isTheGoldenResponse() {
        upstream.enqueue(new Reply.Body(200, text("openrouter/openrouter-chat.json")));

        assertJson(json("openrouter/openrouter-chat.expected.json"), openrouter.chat(call("anthropic/claude-3.5-sonnet")));
    }

    @Test
    void stream_skipsKeepAliveComments_andIsTheGoldenChunks() {
        upstream.enqueue(new Reply.Events(lines("openrouter/openrouter-stream.events.txt"), true));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        openrouter.streamChat(call("google/gemini-2.0-flash-001"), chunks::add);

        assertJsonLines(jsonLines("openrouter/openrouter-stream.expected-chunks.txt"), chunks);
    }

    @Test
    void errorEventMidStream_failsTheStream_afterTheChunksThatArrived() {
        upstream.enqueue(new Reply.Events(lines("openrouter/openrouter-midstream-error.events.txt"), true));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, "openrouter",
                () -> openrouter.streamChat(call("anthropic/claude-3.5-sonnet"), chunks::add));

        assertTrue(e.getMessage().contains("upstream connection reset"), e.getMessage());
        assertEquals(1, chunks.size());
        assertEquals("Once upon", chunks.get(0).choices().get(0).delta().text());
    }

    static Stream<Arguments> errorGoldens() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : json("openrouter/errors.json")) cases.add(Arguments.of(c.path("case").asText(), c));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorGoldens")
    void openRouterError_isMappedToItsKind(String name, JsonNode golden) {
        upstream.enqueue(new Reply.Body(golden.path("status").asInt(), golden.path("body").toString(), Map.of()));

        RelayException e = assertFails(ErrorKind.valueOf(golden.path("kind").asText()), "openrouter",
                () -> openrouter.chat(call("google/palm-2-chat-bison")));

        assertTrue(e.getMessage().contains(golden.path("body").path("error").path("message").asText()), e.getMessage());
    }
}
