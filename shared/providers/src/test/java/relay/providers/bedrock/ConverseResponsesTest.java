package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.providers.bedrock.ConverseRequests.Shape;

/** Converse answers -> OpenAI chat.completion, as golden pairs (recorded Bedrock answers where there are some). */
class ConverseResponsesTest {
    static final String MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "text,            fixtures/amazon-bedrock-text.json,        false, false",
            "tool-call,       fixtures/amazon-bedrock-tool-call.1.json, false, false",
            "tool-no-args,    fixtures/amazon-bedrock-tool-no-args.json, false, false",
            "json-mode,       response/json-mode.bedrock.json,          true,  false",
            "legacy-function, fixtures/amazon-bedrock-tool-call.1.json, false, true",
            "max-tokens,      response/max-tokens.bedrock.json,         false, false",
            "guardrail,       response/guardrail.bedrock.json,          false, false"})
    void converseAnswer_becomesTheGoldenOpenAiResponse(String name, String bedrock, boolean jsonMode, boolean legacy) {
        var response = ConverseResponses.toOpenAi(Golden.json(bedrock), new Shape(jsonMode, legacy),
                "chatcmpl-test", 1_700_000_000L, MODEL);

        Golden.assertJson(Golden.json("response/" + name + ".openai.json"), response);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "max_tokens, length", "tool_use, tool_calls",
            "guardrail_intervened, content_filter", "content_filtered, content_filter", "something_new, stop"})
    void stopReason_mapsToOpenAisFinishReason(String stopReason, String finishReason) {
        assertEquals(finishReason, ConverseResponses.finishReason(stopReason, false));
    }

    @Test
    void usage_countsPromptCacheReadsAndWritesInThePrompt_readsAsCachedTokens() {
        var usage = ConverseResponses.usage(relay.providers.compatible.Golden.parse(
                "{\"inputTokens\":10,\"cacheReadInputTokens\":1500,\"cacheWriteInputTokens\":200,\"outputTokens\":30,\"totalTokens\":1740}"));
        var plain = ConverseResponses.usage(relay.providers.compatible.Golden.parse("{\"inputTokens\":10,\"outputTokens\":30,\"totalTokens\":40}"));

        assertEquals(1710, usage.promptTokens());
        assertEquals(30, usage.completionTokens());
        assertEquals(1740, usage.totalTokens());
        assertEquals(1500, usage.cachedTokens());
        assertEquals(new relay.core.wire.Usage(10, 30, 40), plain, "no cache fields: no details");
    }

    @Test
    void aBodyWithoutOutputMessage_isNotAnAnswer() {
        assertThrows(IllegalArgumentException.class, () -> ConverseResponses.toOpenAi(
                Json.object().put("message", "hi"), Shape.PLAIN, "id", 0, MODEL));
    }
}
