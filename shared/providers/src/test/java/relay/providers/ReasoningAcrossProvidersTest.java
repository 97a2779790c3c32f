package relay.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;
import relay.providers.anthropic.AnswerShape;
import relay.providers.anthropic.AnthropicRequests;
import relay.providers.anthropic.AnthropicResponses;
import relay.providers.anthropic.AnthropicStream;
import relay.providers.bedrock.ConverseRequests;
import relay.providers.bedrock.ConverseResponses;
import relay.providers.bedrock.ConverseStreamTranslator;
import relay.providers.google.GeminiRequests;
import relay.providers.google.GeminiResponses;
import relay.providers.google.GeminiStream;

/**
 * {@code reasoning_effort} to each provider's own reasoning setting (LiteLLM's budgets), and the model's
 * reasoning back as {@code reasoning_content}, whole and streamed.
 */
class ReasoningAcrossProvidersTest {
    static ChatCompletionRequest chat(String extra) {
        return RequestParser.chat(RequestParser.parseObject(("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + extra + "}").getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ---- Anthropic ----

    @ParameterizedTest
    @CsvSource({"low,1024,4096", "medium,2048,4096", "high,4096,8192"})
    void anthropic_effortBecomesAThinkingBudget_andMaxTokensStaysAboveIt(String effort, int budget, int maxTokens) {
        JsonNode body = AnthropicRequests.toAnthropic(chat(",\"reasoning_effort\":\"" + effort + "\""), "claude", false);
        assertEquals(json("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"), body.get("thinking"));
        assertEquals(maxTokens, body.get("max_tokens").asInt());
    }

    @Test
    void anthropic_takesLiteLlmsThinkingAsSent_andNothingWithoutEither() {
        JsonNode body = AnthropicRequests.toAnthropic(chat(",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":3000},\"max_tokens\":1000"), "c", false);
        assertEquals(3000, body.path("thinking").path("budget_tokens").asInt());
        assertEquals(4000, body.path("max_tokens").asInt());
        assertFalse(AnthropicRequests.toAnthropic(chat(""), "c", false).has("thinking"));
        RelayException bad = assertThrows(RelayException.class, () -> AnthropicRequests.toAnthropic(chat(",\"reasoning_effort\":\"max\""), "c", false));
        assertEquals("reasoning_effort", bad.param());
    }

    @Test
    void anthropic_thinkingComesBackAsReasoningContent() {
        var answer = AnthropicResponses.toOpenAi(json("{\"id\":\"msg_1\",\"model\":\"c\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me see.\","
                + "\"signature\":\"s\"},{\"type\":\"text\",\"text\":\"4\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}"),
                1, AnswerShape.PLAIN);
        assertEquals("Let me see.", answer.choices().get(0).message().reasoningContent());
        assertEquals("4", answer.choices().get(0).message().text());
        assertEquals("Let me see.", json(Json.write(answer)).path("choices").get(0).path("message").path("reasoning_content").asText());

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        AnthropicStream stream = new AnthropicStream(1, AnswerShape.PLAIN, chunks::add, "anthropic (c)", null);
        stream.accept(json("{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{}}}"));
        stream.accept(json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"));
        stream.accept(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Hmm.\"}}"));
        stream.accept(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"x\"}}"));
        assertEquals("Hmm.", chunks.get(chunks.size() - 1).choices().get(0).delta().reasoningContent());
        assertEquals(2, chunks.size(), "a role chunk and one reasoning delta; the signature is not reasoning");
    }

    // ---- Gemini ----

    @Test
    void gemini_effortBecomesAThinkingBudget_andThoughtsComeBackAsReasoningContent() {
        JsonNode body = GeminiRequests.build(chat(",\"reasoning_effort\":\"medium\""), "gemini-2.5-flash");
        assertEquals(json("{\"thinkingBudget\":2048,\"includeThoughts\":true}"), body.path("generationConfig").path("thinkingConfig"));
        assertEquals(0, GeminiRequests.build(chat(",\"reasoning_effort\":\"none\""), "g").path("generationConfig").path("thinkingConfig")
                .path("thinkingBudget").asInt(-1));

        String candidate = "{\"candidates\":[{\"index\":0,\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Thinking it over.\",\"thought\":true},"
                + "{\"text\":\"Yes.\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2,"
                + "\"thoughtsTokenCount\":5,\"totalTokenCount\":10}}";
        var answer = GeminiResponses.toOpenAi(json(candidate), "g", 1, () -> "call_1");
        assertEquals("Thinking it over.", answer.choices().get(0).message().reasoningContent());
        assertEquals("Yes.", answer.choices().get(0).message().text());
        assertEquals(7, answer.usage().completionTokens(), "thought tokens count as completion");

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        GeminiStream stream = new GeminiStream("g", 1, () -> "call_1", chunks::add);
        stream.accept(json(candidate));
        assertEquals("Thinking it over.", chunks.stream().map(c -> c.choices().isEmpty() ? null : c.choices().get(0).delta().reasoningContent())
                .filter(java.util.Objects::nonNull).findFirst().orElseThrow());
    }

    // ---- Bedrock ----

    @Test
    void bedrock_effortBecomesClaudesThinking_orNovasReasoningConfig() {
        var claude = ConverseRequests.toConverse(chat(",\"reasoning_effort\":\"high\",\"max_tokens\":1000"));
        ConverseRequests.reasoning(chat(",\"reasoning_effort\":\"high\",\"max_tokens\":1000"), "anthropic.claude-sonnet-4-5-v1:0", claude.body());
        assertEquals(json("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4096}}"), claude.body().get("additionalModelRequestFields"));
        assertEquals(5096, claude.body().path("inferenceConfig").path("maxTokens").asInt());

        var nova = ConverseRequests.toConverse(chat(",\"reasoning_effort\":\"low\""));
        ConverseRequests.reasoning(chat(",\"reasoning_effort\":\"low\""), "us.amazon.nova-2-lite-v1:0", nova.body());
        assertEquals(json("{\"reasoningConfig\":{\"type\":\"enabled\",\"maxReasoningEffort\":\"low\"}}"), nova.body().get("additionalModelRequestFields"));

        var other = ConverseRequests.toConverse(chat(",\"reasoning_effort\":\"low\""));
        ConverseRequests.reasoning(chat(",\"reasoning_effort\":\"low\""), "meta.llama3-70b", other.body());
        assertNull(other.body().get("additionalModelRequestFields"));
    }

    @Test
    void bedrock_reasoningContentComesBack_wholeAndStreamed() {
        var answer = ConverseResponses.toOpenAi(json("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
                + "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Weighing it.\",\"signature\":\"s\"}}},{\"text\":\"Done.\"}]}},"
                + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":1,\"outputTokens\":2,\"totalTokens\":3}}"),
                ConverseRequests.Shape.PLAIN, "id", 1, "m");
        assertEquals("Weighing it.", answer.choices().get(0).message().reasoningContent());
        assertEquals("Done.", answer.choices().get(0).message().text());

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ConverseStreamTranslator stream = new ConverseStreamTranslator("id", 1, "m", ConverseRequests.Shape.PLAIN, chunks::add);
        stream.onEvent("messageStart", json("{\"role\":\"assistant\"}"));
        stream.onEvent("contentBlockDelta", json("{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"text\":\"Step one.\"}}}"));
        stream.onEvent("contentBlockDelta", json("{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"signature\":\"sig\"}}}"));
        assertEquals("Step one.", chunks.get(chunks.size() - 1).choices().get(0).delta().reasoningContent());
    }
}
