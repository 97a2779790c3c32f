package relay.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** Cohere's v2 chat and embed answers in OpenAI's shapes. */
public final class CohereResponses {
    private CohereResponses() {}

    /**
     * A chat answer. Text parts join into {@code content}; when the model only calls tools, its
     * {@code tool_plan} (what it is about to do) becomes the content, as it is in the stream.
     *
     * @param legacyFunctions answer with {@code function_call} for clients that sent {@code functions}
     */
    public static ChatCompletionResponse chat(JsonNode root, String model, long created, boolean legacyFunctions) {
        JsonNode message = root.path("message");
        StringBuilder text = new StringBuilder();
        for (JsonNode part : message.path("content")) {
            if ("text".equals(part.path("type").asText())) text.append(part.path("text").asText());
        }
        List<ToolCall> calls = toolCalls(message.path("tool_calls"));
        String content = text.toString();
        String plan = message.path("tool_plan").asText("");
        if (content.isEmpty() && !calls.isEmpty()) content = plan.isEmpty() ? null : plan;
        String finishReason = finishReason(root.path("finish_reason").asText(null));
        ChatMessage answer;
        if (legacyFunctions && !calls.isEmpty()) {
            answer = new ChatMessage("assistant", node(content), null, null, null, calls.get(0).function(), null);
            if (finishReason.equals("tool_calls")) finishReason = "function_call";
        } else {
            answer = new ChatMessage("assistant", node(content), null, calls.isEmpty() ? null : calls, null, null, null);
        }
        String id = root.path("id").asText("");
        var choice = new ChatCompletionResponse.Choice(0, answer, finishReason, null);
        return new ChatCompletionResponse(id.isEmpty() ? Completions.newId() : id, ChatCompletionResponse.OBJECT, created,
                model, List.of(choice), usage(root.path("usage")), null);
    }

    private static TextNode node(String text) {
        return text == null ? null : TextNode.valueOf(text);
    }

    private static List<ToolCall> toolCalls(JsonNode toolCalls) {
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : toolCalls) {
            JsonNode function = call.path("function");
            calls.add(new ToolCall(null, call.path("id").asText(), "function",
                    new FunctionCall(function.path("name").asText(), arguments(function.path("arguments")))));
        }
        return calls;
    }

    /** Cohere sends {@code null} or nothing for a call without arguments; OpenAI clients expect a JSON object. */
    static String arguments(JsonNode arguments) {
        String text = arguments.isTextual() ? arguments.asText().strip() : "";
        return text.isEmpty() || text.equals("null") ? "{}" : arguments.asText();
    }

    /** Cohere's finish reasons in OpenAI's words; anything unknown is a normal stop. */
    public static String finishReason(String cohere) {
        if (cohere == null) return "stop";
        return switch (cohere) {
            case "MAX_TOKENS", "ERROR_LIMIT" -> "length";
            case "TOOL_CALL" -> "tool_calls";
            case "ERROR_TOXIC" -> "content_filter";
            default -> "stop"; // COMPLETE, STOP_SEQUENCE, ERROR, TIMEOUT
        };
    }

    /** Token counts from {@code usage.tokens}, else {@code usage.billed_units}; null when there are none. */
    public static Usage usage(JsonNode usage) {
        for (String source : List.of("tokens", "billed_units")) {
            JsonNode counts = usage.path(source);
            if (counts.path("input_tokens").isNumber() || counts.path("output_tokens").isNumber()) {
                return Usage.of(counts.path("input_tokens").asInt(0), counts.path("output_tokens").asInt(0));
            }
        }
        return null;
    }

    /** The float vectors of a {@code /v2/embed} answer, in input order. */
    public static List<float[]> embeddings(JsonNode root) {
        JsonNode floats = root.path("embeddings").path("float");
        if (!floats.isArray()) throw new IllegalArgumentException("no embeddings.float");
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode embedding : floats) {
            float[] v = new float[embedding.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) embedding.get(i).asDouble();
            vectors.add(v);
        }
        return vectors;
    }

    public static int embedTokens(JsonNode root) {
        return root.path("meta").path("billed_units").path("input_tokens").asInt(0);
    }
}
