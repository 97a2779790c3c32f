package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

class ReplayTest {
    private static final Usage USAGE = Usage.of(12, 7);

    @Test
    void aTextAnswer_replaysAsCompletionsStreamsIt() {
        ChatCompletionResponse cached = Completions.response("chatcmpl-1", 1700000000, "gpt-4o", "Hello there, friend.", USAGE);

        List<ChatCompletionChunk> chunks = Replay.chunks(cached);

        assertEquals(Completions.chunks("chatcmpl-1", 1700000000, "gpt-4o", "Hello there, friend.", USAGE), chunks);
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        assertTrue(chunks.get(chunks.size() - 1).choices().isEmpty(), "the usage chunk has no choices");
        assertEquals(USAGE, chunks.get(chunks.size() - 1).usage());
        assertEquals(cached, Replay.assemble(chunks));
    }

    @Test
    void toolCalls_replayIdAndNameFirst_thenArguments_andAssembleBack() {
        ChatMessage message = new ChatMessage("assistant", null, null, List.of(
                new ToolCall(null, "call_1", "function", new FunctionCall("get_weather", "{\"city\":\"Paris\"}")),
                new ToolCall(null, "call_2", "function", new FunctionCall("get_time", "{}"))), null, null, null);
        ChatCompletionResponse cached = new ChatCompletionResponse("chatcmpl-2", ChatCompletionResponse.OBJECT, 1700000001, "gpt-4o",
                List.of(new ChatCompletionResponse.Choice(0, message, "tool_calls", null)), USAGE, "fp_1");

        List<ChatCompletionChunk> chunks = Replay.chunks(cached);

        ToolCall first = chunks.get(1).choices().get(0).delta().toolCalls().get(0);
        assertEquals(0, first.index());
        assertEquals("call_1", first.id());
        assertEquals("get_weather", first.function().name());
        ToolCall arguments = chunks.get(2).choices().get(0).delta().toolCalls().get(0);
        assertNull(arguments.id());
        assertEquals("{\"city\":\"Paris\"}", arguments.function().arguments());
        assertEquals("tool_calls", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        assertEquals(cached, Replay.assemble(chunks));
    }

    @Test
    void severalChoices_andARefusal_roundTrip() {
        ChatCompletionResponse cached = new ChatCompletionResponse("chatcmpl-3", ChatCompletionResponse.OBJECT, 1700000002, "m",
                List.of(new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", "One answer"), "stop", null),
                        new ChatCompletionResponse.Choice(1, ChatMessage.of("assistant", "Another, longer answer"), "length", null),
                        new ChatCompletionResponse.Choice(2, new ChatMessage("assistant", null, null, null, null, null, "I can't help."), "stop", null)),
                null, null);

        List<ChatCompletionChunk> chunks = Replay.chunks(cached);

        assertTrue(chunks.stream().allMatch(c -> c.usage() == null), "no usage, no usage chunk");
        assertEquals(cached, Replay.assemble(chunks));
    }

    @Test
    void response_getsAFreshIdAndTime_andKeepsTheAnswer() {
        ChatCompletionResponse cached = Completions.response("chatcmpl-old", 1, "gpt-4o", "hi", USAGE);

        ChatCompletionResponse replayed = Replay.response(cached, "chatcmpl-new", 1800000000);

        assertEquals("chatcmpl-new", replayed.id());
        assertEquals(1800000000, replayed.created());
        assertEquals(cached.choices(), replayed.choices());
        assertEquals(TextNode.valueOf("hi"), replayed.choices().get(0).message().content());
        assertEquals(USAGE, replayed.usage());
    }
}
