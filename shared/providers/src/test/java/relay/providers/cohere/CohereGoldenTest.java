package relay.providers.cohere;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.cohere.Golden.assertJson;
import static relay.providers.cohere.Golden.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.providers.http.ProviderErrors;

/**
 * Cohere's wire format, case by case: OpenAI request -> Cohere request, Cohere response (recorded
 * from the real API) -> OpenAI response, Cohere stream (recorded) -> OpenAI chunks, error body -> kind.
 */
class CohereGoldenTest {
    static final String MODEL = "command-r-plus-08-2024";
    static final long CREATED = 1_700_000_000L;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"conversation", "developer-and-max-completion-tokens", "json-object", "json-schema",
            "tool-round-trip", "tool-plan-and-required", "tool-choice-none", "tool-choice-named", "legacy-functions", "vision"})
    void openAiRequest_becomesCohereV2Chat(String name) {
        var request = Golden.request("cohere/requests/" + name + ".openai.json");

        assertJson(json("cohere/requests/" + name + ".cohere.json"), CohereRequests.chat(request, MODEL));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cohere-text", "cohere-max-tokens", "cohere-tool-call", "toxic", "null-arguments"})
    void cohereResponse_becomesOpenAiCompletion(String name) {
        JsonNode cohere = json("cohere/responses/" + name + ".cohere.json");

        assertJson(json("cohere/responses/" + name + ".openai.json"), CohereResponses.chat(cohere, MODEL, CREATED, false));
    }

    @Test
    void toolCallResponse_toALegacyFunctionsClient_isAFunctionCall() {
        JsonNode cohere = json("cohere/responses/cohere-tool-call.cohere.json");

        assertJson(json("cohere/responses/cohere-tool-call.legacy.openai.json"), CohereResponses.chat(cohere, MODEL, CREATED, true));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cohere-text", "cohere-tool-call", "cohere-empty-tool-call"})
    void cohereStream_becomesOpenAiChunks_endingWithFinishAndUsage(String name) throws Exception {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        CohereStream stream = new CohereStream(MODEL, CREATED, false, chunks::add);
        boolean open = true;
        for (String line : Golden.text("cohere/streams/" + name + ".chunks.txt").split("\n")) {
            if (line.isBlank()) continue;
            assertTrue(open, "events after message-end");
            open = stream.accept(Json.MAPPER.readTree(line));
        }

        assertEquals(false, open, "message-end completes the stream");
        assertJson(json("cohere/streams/" + name + ".openai.json"), chunks);
    }

    @Test
    void streamedToolCall_toALegacyFunctionsClient_streamsOneFunctionCall() throws Exception {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        CohereStream stream = new CohereStream(MODEL, CREATED, true, chunks::add);
        for (String line : Golden.text("cohere/streams/cohere-tool-call.chunks.txt").split("\n")) {
            if (!line.isBlank()) stream.accept(Json.MAPPER.readTree(line));
        }

        StringBuilder arguments = new StringBuilder();
        chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().functionCall())
                .filter(f -> f != null).forEach(f -> arguments.append(f.arguments()));
        assertEquals("{\"location\": \"San Francisco\"}", arguments.toString(), "only the first call, as the legacy API has one");
        assertEquals("function_call", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        assertTrue(chunks.stream().flatMap(c -> c.choices().stream()).allMatch(c -> c.delta().toolCalls() == null));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"invalid-token", "too-many-tokens", "invalid-request", "trial-key-rate-limit", "retired-model",
            "server-error", "unavailable"})
    void cohereErrorBody_becomesTheRightKind_withCoheresMessage(String name) {
        JsonNode error = json("cohere/errors/" + name + ".json");
        byte[] body = error.get("body").toString().getBytes(StandardCharsets.UTF_8);

        RelayException e = ProviderErrors.from("cohere (command-r)", error.get("status").asInt(), body, null, "co-secret-key");

        assertEquals(ErrorKind.valueOf(error.get("kind").asText()), e.kind());
        assertTrue(e.getMessage().startsWith("cohere (command-r) returned " + error.get("status").asInt() + ": "
                + error.get("body").get("message").asText()), e.getMessage());
    }

    @Test
    void embedResponse_givesTheFloatVectorsInOrder_andTheBilledTokens() {
        JsonNode cohere = json("cohere/embeddings/cohere-embedding.json");

        List<float[]> vectors = CohereResponses.embeddings(cohere);

        assertEquals(2, vectors.size());
        assertArrayEquals(new float[] {0.03302002f, 0.020904541f, -0.019744873f, -0.0625f, 0.04437256f}, vectors.get(0));
        assertArrayEquals(new float[] {-0.04660034f, 0.00037765503f, -0.061157227f, -0.08239746f, -0.010360718f}, vectors.get(1));
        assertEquals(10, CohereResponses.embedTokens(cohere));
    }

    @Test
    void embedRequest_asksForFloatSearchDocuments_andMapsDimensions() {
        var request = relay.core.wire.RequestParser.embedding(relay.core.wire.RequestParser.parseObject(
                "{\"model\":\"e\",\"input\":[\"a\",\"b\"],\"dimensions\":256}".getBytes(StandardCharsets.UTF_8)));

        assertJson(Golden.tree(Json.object().put("model", "embed-v4.0")
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("texts", Json.MAPPER.createArrayNode().add("a").add("b"))
                .put("input_type", "search_document")
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("embedding_types", Json.MAPPER.createArrayNode().add("float"))
                .put("output_dimension", 256)),
                CohereRequests.embed(request, "embed-v4.0", request.input()));
    }

    @Test
    void contentPartsCohereCannotTake_areRefusedNamingThePart() {
        var request = Golden.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"x\",\"format\":\"wav\"}}]}]}");

        RelayException e = assertThrows(RelayException.class, () -> CohereRequests.chat(request, MODEL));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("messages[0].content[1]", e.param());
    }

    @Test
    void aNamedToolChoiceThatIsNoTool_isRefused() {
        var request = Golden.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"b\"}}}");

        RelayException e = assertThrows(RelayException.class, () -> CohereRequests.chat(request, MODEL));

        assertEquals("tool_choice", e.param());
    }

    @Test
    void finishReasons_mapToOpenAisWords() {
        assertEquals("stop", CohereResponses.finishReason("COMPLETE"));
        assertEquals("stop", CohereResponses.finishReason("STOP_SEQUENCE"));
        assertEquals("length", CohereResponses.finishReason("MAX_TOKENS"));
        assertEquals("tool_calls", CohereResponses.finishReason("TOOL_CALL"));
        assertEquals("content_filter", CohereResponses.finishReason("ERROR_TOXIC"));
        assertEquals("stop", CohereResponses.finishReason("SOMETHING_NEW"));
    }
}
