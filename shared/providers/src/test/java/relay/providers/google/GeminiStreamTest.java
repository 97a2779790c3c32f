package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.wire.ChatCompletionChunk;

/** Gemini stream events -> OpenAI chunks, as golden pairs under google/streams/ (recorded streams where there are some). */
class GeminiStreamTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"text", "tool-call", "no-args-and-streamed-arguments", "prompt-blocked", "nested-streamed-arguments-two-choices"})
    void streamsOpenAiChunks(String name) {
        JsonNode golden = Golden.json("streams/" + name + ".json");
        List<JsonNode> events = new ArrayList<>();
        if (golden.has("fixture")) events.addAll(Golden.events("fixtures/" + golden.get("fixture").asText()));
        else golden.get("events").forEach(events::add);
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        GeminiStream stream = new GeminiStream("gemini-2.5-flash", GeminiResponsesTest.NOW, Golden.counter(), chunks::add);

        events.forEach(stream::accept);
        assertTrue(stream.complete(), "every choice finished");
        stream.end();

        Golden.assertJson(golden.get("chunks"), chunks, name);
    }

    @Test
    void aStreamWithoutFinishReason_isIncomplete() {
        List<JsonNode> events = Golden.events("fixtures/google-text.chunks.txt");
        GeminiStream stream = new GeminiStream("m", 0, Golden.counter(), chunk -> { });

        events.subList(0, 2).forEach(stream::accept);

        assertFalse(stream.complete());
    }

    @Test
    void aStreamWithOneOfTwoChoicesFinished_isIncomplete() {
        GeminiStream stream = new GeminiStream("m", 0, Golden.counter(), chunk -> { });

        stream.accept(Golden.parse("{\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":\"STOP\"},"
                + "{\"index\":1,\"content\":{\"parts\":[{\"text\":\"b\"}]}}]}"));

        assertFalse(stream.complete());
    }

    @Test
    void anEmptyStream_isIncomplete() {
        assertFalse(new GeminiStream("m", 0, Golden.counter(), chunk -> { }).complete());
    }
}
