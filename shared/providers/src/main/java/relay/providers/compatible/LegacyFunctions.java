package relay.providers.compatible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;

/**
 * OpenAI's deprecated {@code functions} / {@code function_call} for hosts that only know tools: the
 * request is rewritten to tools (history included), and the answer's tool calls are turned back into
 * a {@code function_call}, so a legacy client gets the shape it asked for.
 */
public final class LegacyFunctions {
    private LegacyFunctions() {}

    /** Whether the client used the legacy form (functions and no tools); only then are answers turned back. */
    public static boolean used(JsonNode body) {
        return body.path("functions").isArray() && !body.path("functions").isEmpty()
                && (!body.path("tools").isArray() || body.path("tools").isEmpty());
    }

    /** Rewrites {@code functions}, {@code function_call} and the legacy messages of {@code body} in place to tools. */
    public static void toTools(ObjectNode body) {
        if (used(body)) {
            ArrayNode tools = body.putArray("tools");
            for (JsonNode function : body.get("functions")) {
                tools.addObject().put("type", "function").set("function", function.deepCopy());
            }
        }
        body.remove("functions");
        JsonNode functionCall = body.remove("function_call");
        if (functionCall != null && !functionCall.isNull() && !body.has("tool_choice") && body.has("tools")) {
            if (functionCall.isTextual()) {
                body.put("tool_choice", functionCall.asText()); // "none" and "auto" mean the same for tools
            } else if (functionCall.hasNonNull("name")) {
                body.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", functionCall.get("name").asText());
            }
        }
        if (body.get("messages") instanceof ArrayNode messages) messagesToTools(messages);
    }

    /**
     * An assistant {@code function_call} becomes a one-call {@code tool_calls} with a made-up id, and the
     * following {@code function} message a {@code tool} message answering that id. Ids are 9 letters and
     * digits, the only form Mistral accepts.
     */
    private static void messagesToTools(ArrayNode messages) {
        Map<String, String> lastIdByName = new HashMap<>();
        String lastId = null;
        int next = 1;
        for (JsonNode node : messages) {
            if (!(node instanceof ObjectNode message)) continue;
            String role = message.path("role").asText();
            if (role.equals("assistant") && message.hasNonNull("function_call") && !message.hasNonNull("tool_calls")) {
                JsonNode call = message.remove("function_call");
                String id = String.format("fncall%03d", next++ % 1000);
                ObjectNode toolCall = message.putArray("tool_calls").addObject();
                toolCall.put("id", id).put("type", "function").set("function", call.deepCopy());
                lastIdByName.put(call.path("name").asText(), id);
                lastId = id;
            } else if (role.equals("function")) {
                String name = message.path("name").asText();
                message.put("role", "tool");
                message.put("tool_call_id", lastIdByName.getOrDefault(name, lastId == null ? "fncall000" : lastId));
                message.remove("name");
            } else if (role.equals("assistant")) {
                message.remove("function_call"); // a null function_call next to tool_calls
            }
        }
    }

    /** The answer in the legacy shape: the first tool call as {@code function_call}, finish "function_call". */
    public static ChatCompletionResponse toFunctionCall(ChatCompletionResponse response) {
        List<ChatCompletionResponse.Choice> choices = response.choices().stream().map(c -> new ChatCompletionResponse.Choice(
                c.index(), legacy(c.message()), legacyFinish(c.finishReason()), c.logprobs())).toList();
        return new ChatCompletionResponse(response.id(), response.object(), response.created(), response.model(), choices,
                response.usage(), response.systemFingerprint());
    }

    /** A chunk in the legacy shape: tool-call deltas of call 0 as {@code function_call} deltas. */
    public static ChatCompletionChunk toFunctionCall(ChatCompletionChunk chunk) {
        if (chunk.choices() == null || chunk.choices().isEmpty()) return chunk;
        List<ChatCompletionChunk.ChunkChoice> choices = chunk.choices().stream().map(c -> new ChatCompletionChunk.ChunkChoice(
                c.index(), legacy(c.delta()), legacyFinish(c.finishReason()), c.logprobs())).toList();
        return new ChatCompletionChunk(chunk.id(), chunk.object(), chunk.created(), chunk.model(), choices, chunk.usage(),
                chunk.systemFingerprint());
    }

    private static ChatMessage legacy(ChatMessage message) {
        if (message == null || message.toolCalls() == null || message.toolCalls().isEmpty()) return message;
        ToolCall first = message.toolCalls().stream()
                .filter(t -> t.index() == null || t.index() == 0).findFirst().orElse(null);
        return new ChatMessage(message.role(), message.content(), message.name(), null, message.toolCallId(),
                first == null ? null : first.function(), message.refusal());
    }

    private static String legacyFinish(String finishReason) {
        return "tool_calls".equals(finishReason) ? "function_call" : finishReason;
    }
}
