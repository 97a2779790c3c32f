package relay.core.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import relay.core.Json;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** OpenAI chat answer -> Anthropic message, and what both directions share (ids, stop reasons, usage). Pure. */
public final class ChatToMessages {
    private ChatToMessages() {}

    public static ObjectNode message(ChatCompletionResponse chat) {
        ObjectNode message = Json.object();
        message.put("id", messageId(chat.id()));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", chat.model());
        ArrayNode content = message.putArray("content");
        ChatCompletionResponse.Choice choice = chat.choices() == null || chat.choices().isEmpty() ? null : chat.choices().get(0);
        ChatMessage reply = choice == null ? null : choice.message();
        if (reply != null) {
            String reasoning = reply.reasoningContent();
            if (reasoning != null && !reasoning.isEmpty()) {
                content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
            }
            String text = reply.text();
            if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
            else if (reply.refusal() != null) content.addObject().put("type", "text").put("text", reply.refusal());
            if (reply.toolCalls() != null) {
                for (ToolCall call : reply.toolCalls()) {
                    if (call.function() == null) continue;
                    content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.function().name())
                            .set("input", input(call.function().arguments()));
                }
            } else if (reply.functionCall() != null) {
                content.addObject().put("type", "tool_use").put("id", "toolu_" + chat.id()).put("name", reply.functionCall().name())
                        .set("input", input(reply.functionCall().arguments()));
            }
        }
        message.put("stop_reason", stopReason(choice == null ? null : choice.finishReason()));
        message.putNull("stop_sequence");
        message.set("usage", usage(chat.usage()));
        return message;
    }

    /** Anthropic's ids start with {@code msg_}; the chat id follows, so the log can tie them. */
    static String messageId(String chatId) {
        if (chatId == null) return "msg_" + relay.core.provider.Completions.newId().substring("chatcmpl-".length());
        return chatId.startsWith("msg_") ? chatId : "msg_" + chatId.replaceFirst("^chatcmpl-", "");
    }

    /** A tool call's arguments as Anthropic's input object; arguments that are no JSON object come as {@code {}}. */
    static JsonNode input(String arguments) {
        if (arguments == null || arguments.isBlank()) return Json.object();
        try {
            JsonNode parsed = Json.MAPPER.readTree(arguments);
            return parsed != null && parsed.isObject() ? parsed : Json.object();
        } catch (IOException e) {
            return Json.object();
        }
    }

    /** OpenAI's finish_reason as Anthropic's stop_reason. */
    static String stopReason(String finishReason) {
        if (finishReason == null) return "end_turn";
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /**
     * Anthropic's usage for chat's: cached prompt tokens (OpenAI counts them in the prompt) are
     * Anthropic's {@code cache_read_input_tokens} and cache writes its {@code cache_creation_input_tokens}, outside
     * {@code input_tokens}, when the provider reported them.
     */
    static ObjectNode usage(Usage usage) {
        ObjectNode out = Json.object();
        int cached = usage == null ? 0 : Math.min(usage.cachedTokens(), usage.promptTokens());
        int written = usage == null ? 0 : Math.min(usage.cacheCreationTokens(), usage.promptTokens() - cached);
        out.put("input_tokens", usage == null ? 0 : usage.promptTokens() - cached - written);
        if (usage != null && usage.promptTokensDetails() != null) {
            if (usage.promptTokensDetails().cacheCreationTokens() != null) out.put("cache_creation_input_tokens", written);
            out.put("cache_read_input_tokens", cached);
        }
        out.put("output_tokens", usage == null ? 0 : usage.completionTokens());
        return out;
    }

    /**
     * The token counts of Anthropic's usage object: cache reads and writes count as prompt, as OpenAI counts
     * them; cache reads are the cached tokens, cache writes the cache-creation tokens (priced apart). Anthropic reports
     * no count of thinking tokens (they are in {@code output_tokens}, so the cost counts them as output). Claude's
     * other hosts (Bedrock, Vertex AI) report the same object.
     */
    public static Usage usageOf(JsonNode anthropicUsage) {
        int prompt = anthropicUsage.path("input_tokens").asInt(0) + anthropicUsage.path("cache_creation_input_tokens").asInt(0)
                + anthropicUsage.path("cache_read_input_tokens").asInt(0);
        return Usage.of(prompt, anthropicUsage.path("output_tokens").asInt(0))
                .withDetails(count(anthropicUsage, "cache_read_input_tokens"), null)
                .withCacheCreation(count(anthropicUsage, "cache_creation_input_tokens"));
    }

    private static Integer count(JsonNode usage, String field) {
        JsonNode value = usage.get(field);
        return value != null && value.isNumber() ? value.asInt() : null;
    }
}
