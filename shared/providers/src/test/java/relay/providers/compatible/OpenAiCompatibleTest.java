package relay.providers.compatible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.compatible.Golden.CLOCK;
import static relay.providers.compatible.Golden.assertJson;
import static relay.providers.compatible.Golden.assertJsonLines;
import static relay.providers.compatible.Golden.json;
import static relay.providers.compatible.Golden.jsonLines;
import static relay.providers.compatible.Golden.parse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.Json;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;

/**
 * Golden tests: recorded Groq, Mistral, DeepSeek, xAI and OpenAI answers and streams become exactly
 * OpenAI's chat completion objects and chunks.
 */
class OpenAiCompatibleTest {

    static List<ChatCompletionChunk> streamed(String fixture) throws IOException {
        OpenAiCompatible.Stream stream = new OpenAiCompatible.Stream(CLOCK);
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        for (JsonNode event : jsonLines("compatible/fixtures/" + fixture + ".chunks.txt")) chunks.addAll(stream.chunks(event));
        return chunks;
    }

    @ParameterizedTest
    @ValueSource(strings = {"groq-text", "groq-tool-call", "mistral-text", "mistral-tool-call", "deepseek-text",
            "deepseek-json", "deepseek-tool-call", "xai-text", "xai-tool-call", "openai-text"})
    void recordedAnswer_becomesOpenAisChatCompletion(String fixture) throws IOException {
        ChatCompletionResponse response = OpenAiCompatible.response(json("compatible/fixtures/" + fixture + ".json"), CLOCK);

        assertJson(json("compatible/expected/" + fixture + ".json"), response);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-text", "mistral-tool-call", "mistral-incremental-tool-call", "groq-tool-call",
            "deepseek-tool-call", "xai-tool-call"})
    void recordedStream_becomesOpenAisChunks_withUsageInItsOwnLastChunk(String fixture) throws IOException {
        assertJsonLines(jsonLines("compatible/expected/" + fixture + ".chunks.txt"), streamed(fixture));
    }

    @ParameterizedTest
    @ValueSource(strings = {"groq-text", "deepseek-text", "xai-text", "openai-text"})
    void recordedTextStream_concatenatesToTheAnswer_endsWithFinishThenUsage(String fixture) throws IOException {
        JsonNode expected = json("compatible/expected/" + fixture + ".chunks.summary.json");
        List<ChatCompletionChunk> chunks = streamed(fixture);

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> text.append(choice.delta().text())));
        assertEquals(expected.path("text").asText(), text.toString());
        assertEquals(expected.path("chunks").asInt(), chunks.size());
        assertEquals(expected.path("first_role").asText(), chunks.get(0).choices().get(0).delta().role());
        ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
        assertEquals(expected.path("finish_reason").asText(), finish.choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertJson(expected.path("usage"), usage.usage());
        for (ChatCompletionChunk chunk : chunks) {
            assertEquals(expected.path("id").asText(), chunk.id());
            assertEquals(expected.path("model").asText(), chunk.model());
            assertEquals("chat.completion.chunk", chunk.object());
        }
    }

    @Test
    void reasoningContent_isKept_asLiteLlmReturnsIt() throws IOException {
        // DeepSeek and xAI send message.reasoning_content; it reaches the client under the same name.
        ChatCompletionResponse response = OpenAiCompatible.response(json("compatible/fixtures/deepseek-json.json"), CLOCK);

        JsonNode message = Json.MAPPER.valueToTree(response.choices().get(0).message());
        assertTrue(message.has("content"));
        assertTrue(message.path("reasoning_content").asText().startsWith("I have the result"), message.toString());
    }

    @Test
    void reasoningStreamEvents_areReasoningContentDeltas_besideTheAnswer() throws IOException {
        // xai-text: 343 events, nearly all reasoning_content deltas, then "G", "rok", finish, usage.
        List<ChatCompletionChunk> chunks = streamed("xai-text");

        assertEquals(344, chunks.size());
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> {
            if (choice.delta().reasoningContent() != null) reasoning.append(choice.delta().reasoningContent());
            text.append(choice.delta().text());
        }));
        assertEquals("Grok", text.toString());
        assertTrue(reasoning.length() > 100, reasoning.toString());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "stop,false,stop", "length,false,length", "tool_calls,true,tool_calls", "content_filter,false,content_filter",
            "function_call,false,function_call", "model_length,false,length", "max_tokens,false,length",
            "eos,false,stop", "end_turn,false,stop", "tool_call,true,tool_calls", "'',true,tool_calls", "'',false,stop",
            "error,false,stop", "something_new,false,stop", "NULL,false,NULL"})
    void finishReason_isMappedToOpenAisValues(String host, boolean hasToolCalls, String openai) {
        assertEquals(openai, OpenAiCompatible.finishReason(host, hasToolCalls));
    }

    @Test
    void emptyFinishReasonMidStream_meansNotFinished() throws IOException {
        List<ChatCompletionChunk> chunks = new OpenAiCompatible.Stream(CLOCK).chunks(parse(
                "{\"id\":\"c\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"\"}]}"));

        assertNull(chunks.get(0).choices().get(0).finishReason());
    }

    @Test
    void answerWithoutIdOrCreated_getsAChatcmplIdAndNow() throws IOException {
        ChatCompletionResponse response = OpenAiCompatible.response(parse(
                "{\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}"), CLOCK);

        assertTrue(response.id().startsWith("chatcmpl-"), response.id());
        assertEquals(CLOCK.instant().getEpochSecond(), response.created());
        assertEquals("assistant", response.choices().get(0).message().role());
        assertNull(response.usage());
    }

    @Test
    void streamWithoutIds_getsOneIdForAllItsChunks() throws IOException {
        OpenAiCompatible.Stream stream = new OpenAiCompatible.Stream(CLOCK);
        String event = "{\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}";

        String first = stream.chunks(parse(event)).get(0).id();
        String second = stream.chunks(parse(event)).get(0).id();

        assertTrue(first.startsWith("chatcmpl-"));
        assertEquals(first, second);
    }

    @Test
    void legacyFunctionsClient_getsFunctionCall_notToolCalls() throws IOException {
        ChatCompletionResponse tools = OpenAiCompatible.response(json("compatible/fixtures/mistral-tool-call.json"), CLOCK);

        ChatCompletionResponse legacy = LegacyFunctions.toFunctionCall(tools);

        assertJson(parse("{\"role\":\"assistant\",\"function_call\":{\"name\":\"weather\",\"arguments\":\"{\\\"location\\\": \\\"San Francisco\\\"}\"}}"),
                legacy.choices().get(0).message());
        assertEquals("function_call", legacy.choices().get(0).finishReason());
    }

    @Test
    void legacyFunctionsClient_streamsFunctionCallDeltas() throws IOException {
        List<ChatCompletionChunk> legacy = streamed("deepseek-tool-call").stream().map(LegacyFunctions::toFunctionCall).toList();

        StringBuilder arguments = new StringBuilder();
        String name = null;
        for (ChatCompletionChunk chunk : legacy) {
            for (ChatCompletionChunk.ChunkChoice choice : chunk.choices()) {
                assertNull(choice.delta().toolCalls());
                if (choice.delta().functionCall() != null) {
                    if (choice.delta().functionCall().name() != null) name = choice.delta().functionCall().name();
                    arguments.append(choice.delta().functionCall().arguments());
                }
            }
        }
        assertEquals("weather", name);
        assertEquals("{\"location\": \"San Francisco\"}", arguments.toString());
        assertEquals("function_call", legacy.get(legacy.size() - 2).choices().get(0).finishReason());
    }
}
