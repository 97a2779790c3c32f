package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;
import relay.providers.bedrock.ConverseRequests.Shape;

/** A Converse answer as OpenAI's {@code chat.completion}. Pure: no I/O. */
public final class ConverseResponses {
    private ConverseResponses() {}

    /** @throws IllegalArgumentException when the body is not a Converse answer */
    public static ChatCompletionResponse toOpenAi(JsonNode converse, Shape shape, String id, long created, String model) {
        JsonNode message = converse.path("output").path("message");
        if (!message.path("content").isArray()) throw new IllegalArgumentException("no output.message.content");
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        boolean jsonAnswer = false;
        for (JsonNode block : message.path("content")) {
            if (block.path("text").isTextual()) {
                text.append(block.path("text").asText());
            } else if (block.path("reasoningContent").path("reasoningText").path("text").isTextual()) {
                reasoning.append(block.path("reasoningContent").path("reasoningText").path("text").asText()); // reasoning_content
            } else if (block.path("toolUse").isObject()) {
                JsonNode use = block.path("toolUse");
                String name = use.path("name").asText();
                String arguments = Json.write(use.path("input").isMissingNode() ? Json.object() : use.path("input"));
                if (shape.jsonMode() && name.equals(ConverseRequests.JSON_TOOL)) {
                    text.append(arguments);
                    jsonAnswer = true;
                } else {
                    toolCalls.add(new ToolCall(null, use.path("toolUseId").asText(), "function", new FunctionCall(name, arguments)));
                }
            }
            // citations and other blocks have no place in OpenAI's message
        }
        String finish = finishReason(converse.path("stopReason").asText(null), jsonAnswer);
        boolean legacy = shape.legacyFunctions() && !toolCalls.isEmpty();
        if (legacy && finish.equals("tool_calls")) finish = "function_call";
        ChatMessage reply = new ChatMessage("assistant",
                text.isEmpty() && !toolCalls.isEmpty() ? null : TextNode.valueOf(text.toString()), null,
                toolCalls.isEmpty() || legacy ? null : List.copyOf(toolCalls), null,
                legacy ? toolCalls.get(0).function() : null, null, reasoning.isEmpty() ? null : reasoning.toString());
        var choice = new ChatCompletionResponse.Choice(0, reply, finish, null);
        return new ChatCompletionResponse(id, ChatCompletionResponse.OBJECT, created, model, List.of(choice),
                usage(converse.path("usage")), null);
    }

    /** Converse's stopReason as OpenAI's finish_reason; a JSON-mode answer arrives as a tool call but is text. */
    public static String finishReason(String stopReason, boolean jsonAnswer) {
        if (stopReason == null) return "stop";
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> jsonAnswer ? "stop" : "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    /**
     * Converse's usage, or null when it sent none. Its {@code inputTokens} leave out the prompt-cache reads and
     * writes; OpenAI's prompt counts them, and the reads are the cached tokens. Converse reports no count of
     * reasoning tokens (they are in {@code outputTokens}, so the cost counts them as output).
     */
    public static Usage usage(JsonNode usage) {
        if (!usage.isObject()) return null;
        JsonNode cacheRead = usage.get("cacheReadInputTokens");
        int prompt = usage.path("inputTokens").asInt(0) + usage.path("cacheReadInputTokens").asInt(0)
                + usage.path("cacheWriteInputTokens").asInt(0);
        int output = usage.path("outputTokens").asInt(0);
        JsonNode cacheWrite = usage.get("cacheWriteInputTokens");
        return new Usage(prompt, output, Math.max(usage.path("totalTokens").asInt(0), prompt + output))
                .withDetails(cacheRead != null && cacheRead.isNumber() ? cacheRead.asInt() : null, null)
                .withCacheCreation(cacheWrite != null && cacheWrite.isNumber() ? cacheWrite.asInt() : null);
    }
}
