package relay.providers.textcompletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.compatible.Golden.CLOCK;
import static relay.providers.compatible.Golden.KEY;
import static relay.providers.compatible.Golden.assertFails;
import static relay.providers.compatible.Golden.assertJson;
import static relay.providers.compatible.Golden.assertJsonLines;
import static relay.providers.compatible.Golden.chat;
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
import relay.core.wire.ChatCompletionResponse;
import relay.providers.Providers;
import relay.testing.FakeOpenAiCompatible;
import relay.testing.FakeOpenAiCompatible.Reply;

/** OpenAI's legacy /completions behind a chat request, against a loopback server. */
class TextCompletionProviderTest {
    static final String CHAT = "{\"model\":\"instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"Say this is a test\"}]}";

    static FakeOpenAiCompatible upstream;
    static HttpClient http;
    final TextCompletionProvider provider = new TextCompletionProvider(http, CLOCK);

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

    static ProviderCall<ChatCompletionRequest> call(String model, String json) {
        return chatCall("text-completion-openai", model, upstream.baseUrl(), json);
    }

    @Test
    void identity_isTextCompletionOpenAi_withOpenAisKey() {
        assertEquals("text-completion-openai", provider.name());
        assertEquals("OPENAI_API_KEY", provider.defaultKeyName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tools", "tool_choice", "functions", "response_format", "logprobs", "top_logprobs"})
    void chatOnlyParameters_areNotSupported_soTheGatewayGivesA400(String param) {
        assertFalse(provider.supportedChatParams().contains(param));
    }

    @Test
    void conversation_isSentToCompletions_asTheGoldenPromptBody() {
        JsonNode golden = json("textcompletion/request-conversation.json");

        provider.chat(call("gpt-3.5-turbo-instruct", golden.path("request").toString()));

        FakeOpenAiCompatible.Recorded sent = upstream.lastRequest();
        assertEquals("/v1/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertJson(golden.path("sent"), sent.json());
    }

    @Test
    void singleUserMessage_isThePromptExactly() {
        assertEquals("  Say this\nis a test ", TextCompletions.prompt(chat(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"  Say this\\nis a test \"}]}").messages()));
    }

    @Test
    void imagePart_is400NamingIt() {
        String json = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}";

        RelayException e = assertThrows(RelayException.class, () -> provider.chat(call("gpt-3.5-turbo-instruct", json)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("messages[0].content[1]", e.param());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void answer_isTheGoldenChatResponse_oneChoicePerCompletion() {
        upstream.enqueue(new Reply.Body(200, text("textcompletion/completion.json")));

        assertJson(json("textcompletion/completion.expected.json"), provider.chat(call("gpt-3.5-turbo-instruct", CHAT)));
    }

    @Test
    void answer_fromTheFake_isTheEchoedPrompt() {
        ChatCompletionResponse response = provider.chat(call("gpt-3.5-turbo-instruct", CHAT));

        assertEquals("Echo: Say this is a test", response.choices().get(0).message().text());
        assertEquals("assistant", response.choices().get(0).message().role());
        assertEquals("chat.completion", response.object());
        assertEquals(10, response.usage().totalTokens());
    }

    @Test
    void stream_isTheGoldenChunks_roleFirstThenTextThenFinishThenUsage() {
        upstream.enqueue(new Reply.Events(lines("textcompletion/completion-stream.events.txt"), true));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        provider.streamChat(call("gpt-3.5-turbo-instruct", CHAT), chunks::add);

        assertJsonLines(jsonLines("textcompletion/completion-stream.expected-chunks.txt"), chunks);
        JsonNode sent = upstream.lastRequest().json();
        assertEquals("/v1/completions", upstream.lastRequest().path());
        assertTrue(sent.path("stream").asBoolean());
        assertTrue(sent.path("stream_options").path("include_usage").asBoolean());
        assertFalse(sent.has("messages"));
    }

    @Test
    void stream_fromTheFake_concatenatesToTheEchoedPrompt() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        provider.streamChat(call("gpt-3.5-turbo-instruct", CHAT), chunks::add);

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> text.append(choice.delta().text())));
        assertEquals("Echo: Say this is a test", text.toString());
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        assertEquals(10, chunks.get(chunks.size() - 1).usage().totalTokens());
    }

    @Test
    void streamWithoutDone_isProviderError() {
        upstream.enqueue(new Reply.Events(lines("textcompletion/completion-stream.events.txt").subList(0, 2), false));

        assertFails(ErrorKind.PROVIDER_ERROR, "text-completion-openai",
                () -> provider.streamChat(call("gpt-3.5-turbo-instruct", CHAT), c -> { }));
    }

    @Test
    void embeddings_areRefused() {
        RelayException e = assertThrows(RelayException.class, () -> provider.embed(relay.providers.compatible.Golden.embedCall(
                relay.providers.compatible.Golden.deployment("text-completion-openai", "x", null, Map.of()),
                "{\"model\":\"x\",\"input\":\"a\"}")));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
    }

    static Stream<Arguments> errorGoldens() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : json("textcompletion/errors.json")) cases.add(Arguments.of(c.path("case").asText(), c));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorGoldens")
    void openAiError_isMappedToItsKind_withOpenAisWords(String name, JsonNode golden) {
        upstream.enqueue(new Reply.Body(golden.path("status").asInt(), golden.path("body").toString()));

        RelayException e = assertFails(ErrorKind.valueOf(golden.path("kind").asText()), "text-completion-openai",
                () -> provider.chat(call("text-davinci-003", CHAT)));

        assertTrue(e.getMessage().contains(golden.path("body").path("error").path("message").asText()), e.getMessage());
    }
}
