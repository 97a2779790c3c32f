package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.wire.ChatCompletionResponse;

/** Gemini {@code GenerateContentResponse}s -> OpenAI chat completions, as golden pairs under google/responses/. */
class GeminiResponsesTest {
    static final long NOW = 1_700_000_000L;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"text", "tool-call", "prompt-blocked", "safety-stop", "max-tokens", "two-candidates-with-thoughts"})
    void mapsTheAnswer(String name) {
        JsonNode golden = Golden.json("responses/" + name + ".json");
        JsonNode gemini = golden.has("geminiFixture") ? Golden.json("fixtures/" + golden.get("geminiFixture").asText()) : golden.get("gemini");

        ChatCompletionResponse response = GeminiResponses.toOpenAi(gemini, "gemini-2.5-flash", NOW, Golden.counter());

        ObjectNode expected = golden.get("openai").deepCopy();
        if (expected.path("id").asText().equals("$generated")) {
            assertTrue(response.id().startsWith("chatcmpl-"), response.id());
            expected.put("id", response.id());
        }
        Golden.assertJson(expected, response, name);
    }

    @org.junit.jupiter.api.Test
    void usage_thoughtsAreReasoningTokensInTheCompletion_cachedContentIsCachedTokens() {
        var usage = GeminiResponses.usage(Golden.parse("{\"promptTokenCount\":900,\"cachedContentTokenCount\":512,"
                + "\"candidatesTokenCount\":28,\"thoughtsTokenCount\":244,\"totalTokenCount\":1172}"));

        assertEquals(900, usage.promptTokens());
        assertEquals(272, usage.completionTokens(), "billed as output: the answer and the thoughts");
        assertEquals(244, usage.reasoningTokens());
        assertEquals(512, usage.cachedTokens());
    }

    @ParameterizedTest
    @CsvSource({"STOP, false, stop", "STOP, true, tool_calls", "MAX_TOKENS, true, length", "SAFETY, false, content_filter",
            "RECITATION, false, content_filter", "BLOCKLIST, false, content_filter", "PROHIBITED_CONTENT, false, content_filter",
            "SPII, false, content_filter", "MALFORMED_FUNCTION_CALL, false, stop", "OTHER, false, stop",
            "FINISH_REASON_UNSPECIFIED, false, stop"})
    void finishReasons_mapToOpenAis(String gemini, boolean calledTools, String openai) {
        assertEquals(openai, GeminiResponses.finishReason(gemini, calledTools));
    }

    @Test
    void anAnswerWithNeitherCandidatesNorABlockReason_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> GeminiResponses.toOpenAi(Golden.parse("{\"usageMetadata\":{}}"), "m", NOW, Golden.counter()));
    }

    @Test
    void usage_isNullWhenGeminiCountedNothing() {
        assertNull(GeminiResponses.usage(Golden.parse("{\"trafficType\":\"PROVISIONED_THROUGHPUT\"}")));
        assertNull(GeminiResponses.usage(null));
    }

    @Test
    void toolCallIds_areFreshPerCall_andCarryOnlyTheirOwnSignature() {
        JsonNode gemini = Golden.parse("{\"candidates\":[{\"content\":{\"parts\":["
                + "{\"functionCall\":{\"name\":\"a\"},\"thoughtSignature\":\"sig\"},{\"functionCall\":{\"name\":\"b\"}}]},"
                + "\"finishReason\":\"STOP\"}]}");

        var calls = GeminiResponses.toOpenAi(gemini, "m", NOW, ToolCallIds.RANDOM_IDS).choices().get(0).message().toolCalls();

        assertEquals("sig", ToolCallIds.signature(calls.get(0).id()));
        assertNull(ToolCallIds.signature(calls.get(1).id()));
        assertTrue(calls.get(1).id().matches("call_[A-Za-z0-9]{24}"), calls.get(1).id());
        assertFalse(calls.get(0).id().startsWith(calls.get(1).id()));
    }
}
