package relay.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** Anthropic message -> OpenAI {@code chat.completion}. Pure: no I/O. */
public final class AnthropicResponses {
    private AnthropicResponses() {}

    /**
     * @param created the answer's time (Anthropic sends none)
     * @throws RuntimeException when the message lacks what every answer has; the caller reports it as malformed
     */
    public static ChatCompletionResponse toOpenAi(JsonNode message, long created, AnswerShape shape) {
        if (!message.path("content").isArray()) throw new IllegalArgumentException("no content array");
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        String json = null;
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> {
                    String arguments = Json.write(block.path("input").isObject() ? block.path("input") : Json.object());
                    if (shape.jsonMode() && AnthropicRequests.JSON_TOOL.equals(block.path("name").asText())) {
                        json = arguments;
                    } else {
                        calls.add(new ToolCall(null, block.path("id").asText(), "function",
                                new FunctionCall(block.path("name").asText(), arguments)));
                    }
                }
                case "thinking" -> reasoning.append(block.path("thinking").asText()); // reasoning_content, as LiteLLM returns it
                default -> { } // redacted_thinking, server tool blocks: OpenAI's format has no place for them
            }
        }
        String stopReason = message.path("stop_reason").asText(null);
        String refusal = "refusal".equals(stopReason) ? message.path("stop_details").path("explanation").asText(null) : null;
        String content = json != null ? json
                : !text.isEmpty() ? text.toString()
                : calls.isEmpty() && refusal == null ? "" : null;
        boolean legacy = shape.legacyFunctions() && !calls.isEmpty();
        ChatMessage reply = new ChatMessage("assistant", content == null ? null : Json.MAPPER.getNodeFactory().textNode(content),
                null, calls.isEmpty() || legacy ? null : List.copyOf(calls), null, legacy ? calls.get(0).function() : null, refusal,
                reasoning.isEmpty() ? null : reasoning.toString());
        String finish = finishReason(stopReason, json != null && calls.isEmpty(), shape.legacyFunctions());
        var choice = new ChatCompletionResponse.Choice(0, reply, finish, null);
        String id = message.path("id").isTextual() ? message.path("id").asText() : Completions.newId();
        return new ChatCompletionResponse(id, ChatCompletionResponse.OBJECT, created, message.path("model").asText(null),
                List.of(choice), usage(message.path("usage")), null);
    }

    /**
     * Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}; unknown and missing reasons are {@code stop}.
     *
     * @param onlyJsonTool the only tool called was JSON mode's, so the answer is content, not a tool call
     */
    static String finishReason(String stopReason, boolean onlyJsonTool, boolean legacyFunctions) {
        if (stopReason == null) return "stop";
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> onlyJsonTool ? "stop" : legacyFunctions ? "function_call" : "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** OpenAI counts cached prompt tokens inside {@code prompt_tokens}; Anthropic reports them apart. */
    static Usage usage(JsonNode usage) {
        return relay.core.messages.ChatToMessages.usageOf(usage);
    }

    static int promptTokens(JsonNode usage) {
        return usage.path("input_tokens").asInt(0) + usage.path("cache_creation_input_tokens").asInt(0)
                + usage.path("cache_read_input_tokens").asInt(0);
    }
}
