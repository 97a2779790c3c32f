package relay.core.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;

class TextCompletionsTest {
    static ChatCompletionRequest toChat(String json) {
        return TextCompletions.toChat(RequestParser.parseObject(json.getBytes()));
    }

    @Test
    void prompt_becomesOneUserMessage_keepingTheOptions() {
        ChatCompletionRequest chat = toChat("{\"model\":\"gpt-4o\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,\"temperature\":0,\"stop\":\"\\n\"}");

        assertEquals(List.of(ChatMessage.of("user", "Say this is a test")).get(0).text(), chat.messages().get(0).text());
        assertEquals("user", chat.messages().get(0).role());
        assertEquals(7, chat.maxTokens());
        assertEquals(List.of("\n"), chat.stop());
        assertEquals(false, chat.body().has("prompt"));
    }

    @Test
    void badPrompts_are400NamingPrompt() {
        for (String body : List.of("{\"model\":\"m\"}", "{\"model\":\"m\",\"prompt\":5}", "{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}")) {
            RelayException e = assertThrows(RelayException.class, () -> toChat(body));
            assertEquals("prompt", e.param(), body);
        }
        RelayException echo = assertThrows(RelayException.class, () -> toChat("{\"model\":\"m\",\"prompt\":\"x\",\"echo\":true}"));
        assertEquals(ErrorKind.UNSUPPORTED_PARAMS, echo.kind());
    }

    @Test
    void chatAnswer_becomesTextCompletion() {
        var chat = Completions.response("chatcmpl-abc", 1700000000, "gpt-4o", "This is a test.", Usage.of(5, 5));

        TextCompletions.Response text = TextCompletions.fromChat(chat);

        assertEquals("cmpl-abc", text.id());
        assertEquals("text_completion", text.object());
        assertEquals("This is a test.", text.choices().get(0).text());
        assertEquals("stop", text.choices().get(0).finishReason());
        assertEquals(10, text.usage().totalTokens());
    }

    @Test
    void streamedChunks_becomeTextEvents_andEmptyOnesAreSkipped() {
        List<ChatCompletionChunk> chunks = Completions.chunks("chatcmpl-x", 1, "m", "Hello world", Usage.of(1, 2));

        List<TextCompletions.Response> events = chunks.stream().map(TextCompletions::fromChunk).filter(e -> e != null).toList();

        assertNull(TextCompletions.fromChunk(chunks.get(0)), "the role-only chunk has no text");
        assertEquals("Hello world", events.stream().flatMap(e -> e.choices().stream()).map(TextCompletions.Choice::text)
                .reduce("", String::concat));
        assertEquals("stop", events.get(events.size() - 2).choices().get(0).finishReason());
        assertEquals(3, events.get(events.size() - 1).usage().totalTokens());
    }
}
