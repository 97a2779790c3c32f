package relay.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.ToolCall;

/** OpenAI's chat and embeddings requests in Cohere's v2 shape ({@code POST /v2/chat}, {@code POST /v2/embed}). */
public final class CohereRequests {
    /** Cohere's v2 embed endpoint takes at most this many texts per call. */
    static final int MAX_TEXTS_PER_EMBED = 96;

    private CohereRequests() {}

    /** Whether the client used the legacy {@code functions} API; the answer then speaks it too. */
    public static boolean usesLegacyFunctions(ChatCompletionRequest request) {
        return (request.tools() == null || request.tools().isEmpty()) && request.body().path("functions").size() > 0;
    }

    public static ObjectNode chat(ChatCompletionRequest request, String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        body.set("messages", messages(request.messages()));
        if (request.temperature() != null) body.put("temperature", request.temperature());
        if (request.topP() != null) body.put("p", request.topP());
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        if (maxTokens != null) body.put("max_tokens", maxTokens);
        if (request.stop() != null && !request.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop_sequences");
            request.stop().forEach(stop::add);
        }
        if (request.seed() != null) body.put("seed", request.seed());
        for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
            JsonNode value = request.body().get(penalty);
            if (value != null && value.isNumber()) body.set(penalty, value);
        }
        responseFormat(request.responseFormat(), body);
        tools(request, body);
        return body;
    }

    // ---- messages ----

    static ArrayNode messages(List<ChatMessage> messages) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        String lastFunctionCallId = null; // legacy "function" results answer the latest function_call
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            String path = "messages[" + i + "]";
            switch (message.role()) {
                case "system", "developer" -> out.addObject().put("role", "system").put("content", message.text());
                case "user" -> out.addObject().put("role", "user").set("content", userContent(message.content(), path));
                case "assistant" -> {
                    List<ToolCall> calls = message.toolCalls();
                    if (message.functionCall() != null) {
                        lastFunctionCallId = "call_" + i;
                        calls = List.of(new ToolCall(null, lastFunctionCallId, "function", message.functionCall()));
                    }
                    out.add(assistant(message.text(), calls));
                }
                case "tool" -> out.addObject().put("role", "tool").put("tool_call_id", message.toolCallId())
                        .put("content", message.text());
                case "function" -> {
                    if (lastFunctionCallId == null) {
                        throw RelayException.invalid(path, "'" + path + "' is a function result without an earlier"
                                + " assistant function_call.");
                    }
                    out.addObject().put("role", "tool").put("tool_call_id", lastFunctionCallId).put("content", message.text());
                }
                default -> throw RelayException.invalid(path + ".role", "Cohere does not take role '" + message.role() + "'.");
            }
        }
        return out;
    }

    /** An assistant turn; text that accompanies tool calls is Cohere's {@code tool_plan}. */
    private static ObjectNode assistant(String text, List<ToolCall> calls) {
        ObjectNode assistant = Json.object().put("role", "assistant");
        if (calls == null || calls.isEmpty()) return assistant.put("content", text);
        if (!text.isEmpty()) assistant.put("tool_plan", text);
        ArrayNode toolCalls = assistant.putArray("tool_calls");
        for (ToolCall call : calls) {
            ObjectNode function = toolCalls.addObject().put("id", call.id()).put("type", "function").putObject("function");
            function.put("name", call.function() == null ? null : call.function().name());
            function.put("arguments", call.function() == null || call.function().arguments() == null
                    ? "{}" : call.function().arguments());
        }
        return assistant;
    }

    /** A user turn's content: a string as it is; text and image parts in Cohere's (OpenAI-like) part shapes. */
    private static JsonNode userContent(JsonNode content, String path) {
        if (content == null || content.isNull()) return TextNode.valueOf("");
        if (content.isTextual()) return content;
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> parts.addObject().put("type", "text").put("text", part.path("text").asText());
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    String url = image.isTextual() ? image.asText() : image.path("url").asText(null);
                    if (url == null || url.isBlank()) {
                        throw RelayException.invalid(path + ".content[" + j + "].image_url.url", "An image part needs an image_url.url.");
                    }
                    ObjectNode imageUrl = parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                    if (image.path("detail").isTextual()) imageUrl.put("detail", image.path("detail").asText());
                }
                default -> throw RelayException.invalid(path + ".content[" + j + "]",
                        "Cohere takes text and image_url content parts, not '" + type + "'.");
            }
        }
        return parts;
    }

    // ---- response format and tools ----

    private static void responseFormat(JsonNode format, ObjectNode body) {
        if (format == null) return;
        switch (format.path("type").asText()) {
            case "text" -> { }
            case "json_object" -> body.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode cohere = body.putObject("response_format").put("type", "json_object");
                JsonNode schema = format.path("json_schema").path("schema");
                if (schema.isObject()) cohere.set("json_schema", schema);
            }
            default -> throw RelayException.invalid("response_format.type",
                    "Cohere takes response_format types text, json_object and json_schema, not '" + format.path("type").asText() + "'.");
        }
    }

    /** OpenAI's tools (or the legacy functions) and tool_choice; Cohere cannot name one tool, so a named choice keeps only that tool. */
    private static void tools(ChatCompletionRequest request, ObjectNode body) {
        JsonNode tools = request.tools();
        JsonNode choice = request.toolChoice();
        String choiceParam = "tool_choice";
        if (usesLegacyFunctions(request)) {
            ArrayNode wrapped = Json.MAPPER.createArrayNode();
            request.body().path("functions").forEach(f -> wrapped.addObject().put("type", "function").set("function", f));
            tools = wrapped;
            choice = legacyChoice(request.body().get("function_call"));
            choiceParam = "function_call";
        }
        if (tools == null || tools.isEmpty()) return;
        String forced = null;
        if (choice != null && !choice.isNull()) {
            if (choice.isTextual()) {
                switch (choice.asText()) {
                    case "auto" -> { }
                    case "none" -> body.put("tool_choice", "NONE");
                    case "required" -> body.put("tool_choice", "REQUIRED");
                    default -> throw RelayException.invalid(choiceParam, "'" + choiceParam + "' must be auto, none, required"
                            + " or a named function, not '" + choice.asText() + "'.");
                }
            } else {
                forced = choice.path("function").path("name").asText(null);
                if (forced == null) throw RelayException.invalid(choiceParam, "'" + choiceParam + "' names no function.");
                body.put("tool_choice", "REQUIRED");
            }
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        boolean strict = false;
        for (JsonNode tool : tools) {
            JsonNode function = tool.path("function");
            String name = function.path("name").asText(null);
            if (name == null) throw RelayException.invalid("tools", "Every tool needs a function.name.");
            if (forced != null && !forced.equals(name)) continue;
            ObjectNode cohere = out.addObject().put("type", "function").putObject("function").put("name", name);
            if (function.path("description").isTextual()) cohere.put("description", function.path("description").asText());
            if (function.path("parameters").isObject()) cohere.set("parameters", function.path("parameters"));
            strict |= function.path("strict").asBoolean(false);
        }
        if (out.isEmpty()) {
            throw RelayException.invalid(choiceParam, "'" + choiceParam + "' names function '" + forced + "', which is not among the tools.");
        }
        body.set("tools", out);
        if (strict) body.put("strict_tools", true); // Cohere's switch for schema-following tool calls
    }

    /** The legacy {@code function_call} ("none", "auto" or {name}) as a tool_choice. */
    private static JsonNode legacyChoice(JsonNode functionCall) {
        if (functionCall == null || functionCall.isNull() || functionCall.isTextual()) return functionCall;
        ObjectNode choice = Json.object().put("type", "function");
        choice.putObject("function").put("name", functionCall.path("name").asText(null));
        return choice;
    }

    // ---- embeddings ----

    /** One {@code /v2/embed} body for {@code texts}; the client may choose Cohere's {@code input_type}. */
    public static ObjectNode embed(EmbeddingRequest request, String model, List<String> texts) {
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode array = body.putArray("texts");
        texts.forEach(array::add);
        JsonNode inputType = request.body().get("input_type");
        body.put("input_type", inputType != null && inputType.isTextual() ? inputType.asText() : "search_document");
        body.putArray("embedding_types").add("float");
        if (request.dimensions() != null) body.put("output_dimension", request.dimensions());
        return body;
    }
}
