package relay.core.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;
import relay.core.Json;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** OpenAI chat answer -> Responses {@code response} object, and the parts a stream builds the same way. Pure. */
public final class ChatToResponses {
    private ChatToResponses() {}

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * The response object before its output: the request's settings echoed as OpenAI echoes them.
     *
     * @param request the Responses request body
     */
    static ObjectNode shell(String id, long createdAt, String model, ObjectNode request, String status) {
        ObjectNode response = Json.object();
        response.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
        response.putNull("error");
        response.putNull("incomplete_details");
        response.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : Json.MAPPER.nullNode());
        response.set("max_output_tokens", request.path("max_output_tokens").isNumber() ? request.get("max_output_tokens") : Json.MAPPER.nullNode());
        response.put("model", model);
        response.putArray("output");
        response.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        response.set("previous_response_id", request.path("previous_response_id").isTextual() ? request.get("previous_response_id") : Json.MAPPER.nullNode());
        ObjectNode reasoning = response.putObject("reasoning");
        reasoning.set("effort", request.path("reasoning").path("effort").isTextual() ? request.path("reasoning").get("effort") : Json.MAPPER.nullNode());
        reasoning.putNull("summary");
        response.put("store", request.path("store").asBoolean(true));
        response.set("temperature", request.path("temperature").isNumber() ? request.get("temperature") : Json.MAPPER.getNodeFactory().numberNode(1.0));
        ObjectNode text = response.putObject("text");
        text.set("format", request.path("text").path("format").isObject() ? request.path("text").get("format") : Json.object().put("type", "text"));
        response.set("tool_choice", request.has("tool_choice") && !request.get("tool_choice").isNull() ? request.get("tool_choice") : Json.MAPPER.getNodeFactory().textNode("auto"));
        response.set("tools", request.path("tools").isArray() ? request.get("tools") : Json.MAPPER.createArrayNode());
        response.set("top_p", request.path("top_p").isNumber() ? request.get("top_p") : Json.MAPPER.getNodeFactory().numberNode(1.0));
        response.put("truncation", "disabled");
        response.putNull("usage");
        response.set("user", request.path("user").isTextual() ? request.get("user") : Json.MAPPER.nullNode());
        response.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : Json.object());
        return response;
    }

    /** The whole response for a chat answer. */
    public static ObjectNode response(String id, long createdAt, ObjectNode request, ChatCompletionResponse chat) {
        ChatCompletionResponse.Choice choice = chat.choices() == null || chat.choices().isEmpty() ? null : chat.choices().get(0);
        ObjectNode response = shell(id, createdAt, chat.model(), request, "completed");
        ArrayNode output = (ArrayNode) response.get("output");
        ChatMessage reply = choice == null ? null : choice.message();
        if (reply != null) {
            if (reply.reasoningContent() != null && !reply.reasoningContent().isEmpty()) {
                output.add(reasoning(newId("rs_"), reply.reasoningContent()));
            }
            String text = reply.text();
            if (!text.isEmpty()) output.add(message(newId("msg_"), text, "completed"));
            if (reply.refusal() != null && !reply.refusal().isEmpty()) output.add(refusal(newId("msg_"), reply.refusal()));
            if (reply.toolCalls() != null) {
                for (ToolCall call : reply.toolCalls()) {
                    if (call.function() == null) continue;
                    output.add(functionCall(newId("fc_"), call.id(), call.function().name(), call.function().arguments(), "completed"));
                }
            }
        }
        complete(response, choice == null ? null : choice.finishReason(), chat.usage());
        return response;
    }

    /** Sets the status (incomplete when the answer was cut), and the usage. */
    static void complete(ObjectNode response, String finishReason, Usage usage) {
        if ("length".equals(finishReason) || "content_filter".equals(finishReason)) {
            response.put("status", "incomplete");
            response.putObject("incomplete_details").put("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
        } else {
            response.put("status", "completed");
        }
        response.set("usage", usage(usage));
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode out = Json.object();
        out.put("input_tokens", usage == null ? 0 : usage.promptTokens());
        out.putObject("input_tokens_details").put("cached_tokens", usage == null ? 0 : usage.cachedTokens());
        out.put("output_tokens", usage == null ? 0 : usage.completionTokens());
        out.putObject("output_tokens_details").put("reasoning_tokens", usage == null ? 0 : usage.reasoningTokens());
        out.put("total_tokens", usage == null ? 0 : usage.totalTokens());
        return out;
    }

    /**
     * A Responses usage object's token counts: {@code input_tokens} with its cached tokens inside (as OpenAI's chat
     * counts them), {@code output_tokens} with its reasoning tokens inside; null when there is no usage.
     */
    public static Usage usageOf(JsonNode usage) {
        if (usage == null || !usage.isObject()) return null;
        int input = usage.path("input_tokens").asInt(0);
        int output = usage.path("output_tokens").asInt(0);
        JsonNode cached = usage.path("input_tokens_details").get("cached_tokens");
        JsonNode reasoning = usage.path("output_tokens_details").get("reasoning_tokens");
        return new Usage(input, output, usage.path("total_tokens").asInt(input + output)).withDetails(
                cached != null && cached.isNumber() ? cached.asInt() : null, reasoning != null && reasoning.isNumber() ? reasoning.asInt() : null);
    }

    static ObjectNode message(String id, String text, String status) {
        ObjectNode item = Json.object().put("type", "message").put("id", id).put("status", status).put("role", "assistant");
        item.putArray("content").add(outputText(text));
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = Json.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode refusal(String id, String refusal) {
        ObjectNode item = Json.object().put("type", "message").put("id", id).put("status", "completed").put("role", "assistant");
        item.putArray("content").addObject().put("type", "refusal").put("refusal", refusal);
        return item;
    }

    static ObjectNode functionCall(String id, String callId, String name, String arguments, String status) {
        return Json.object().put("type", "function_call").put("id", id).put("call_id", callId).put("name", name)
                .put("arguments", arguments == null ? "" : arguments).put("status", status);
    }

    /** The model's reasoning as a reasoning item: its text as {@code reasoning_text} content, no summary. */
    static ObjectNode reasoning(String id, String text) {
        ObjectNode item = Json.object().put("type", "reasoning").put("id", id);
        item.putArray("summary");
        if (text != null) item.putArray("content").addObject().put("type", "reasoning_text").put("text", text);
        return item;
    }
}
