package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.wire.ChatCompletionChunk;
import relay.providers.bedrock.ConverseRequests.Shape;

/** ConverseStream events (recorded, one decoded message a line) -> OpenAI chunks, as golden pairs. */
class ConverseStreamTranslatorTest {

    /** Feeds fixture lines {"<eventType>": payload} as the provider feeds decoded frames. */
    static List<ChatCompletionChunk> translate(String events, Shape shape, boolean[] complete) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        var translator = new ConverseStreamTranslator("chatcmpl-test", 1_700_000_000L, "m", shape, chunks::add);
        for (String line : Golden.lines(events)) {
            Map.Entry<String, JsonNode> event = parse(line);
            translator.onEvent(event.getKey(), event.getValue());
        }
        complete[0] = translator.complete();
        if (translator.complete()) translator.finish();
        return chunks;
    }

    private static Map.Entry<String, JsonNode> parse(String line) {
        try {
            return relay.core.Json.MAPPER.readTree(line).fields().next();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "text,            fixtures/amazon-bedrock-text.chunks.txt,        false, false",
            "tool-call,       fixtures/amazon-bedrock-tool-call.1.chunks.txt, false, false",
            "tool-no-args,    fixtures/amazon-bedrock-tool-no-args.chunks.txt, false, false",
            "json-mode,       stream/json-mode.chunks.txt,                    true,  false",
            "legacy-function, fixtures/amazon-bedrock-tool-call.1.chunks.txt, false, true"})
    void converseStream_becomesTheGoldenChunks(String name, String events, boolean jsonMode, boolean legacy) {
        boolean[] complete = new boolean[1];
        var chunks = translate(events, new Shape(jsonMode, legacy), complete);

        assertTrue(complete[0]);
        Golden.assertJson(Golden.json("stream/" + name + ".openai.json"), chunks);
    }

    @Test
    void aStreamWithoutMessageStop_isNotComplete() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        var translator = new ConverseStreamTranslator("id", 0, "m", Shape.PLAIN, chunks::add);
        translator.onEvent("messageStart", relay.core.Json.object().put("role", "assistant"));

        assertFalse(translator.complete());
    }
}
