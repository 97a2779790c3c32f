package relay.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;

/**
 * OpenAI chat request -> Anthropic Messages request. Pure: no I/O. A request Anthropic could not
 * take in any form is a 400 naming the field, before any call is made.
 */
public final class AnthropicRequests {
    /** Anthropic requires {@code max_tokens}; LiteLLM's default when the client sets none. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    /**
     * Anthropic has no JSON mode, so JSON mode is emulated with this tool (LiteLLM's name and
     * technique): its input schema is the requested schema, it is forced when the client has no
     * tools of its own, and its input becomes the answer's content.
     */
    public static final String JSON_TOOL = "json_tool_call";

    private AnthropicRequests() {}

    /** The body for {@code POST /v1/messages}. */
    public static ObjectNode toAnthropic(ChatCompletionRequest request, String model, boolean stream) {
        ObjectNode body = request.body();
        ObjectNode out = Json.object();
        out.put("model", model);
        out.put("max_tokens", request.maxCompletionTokens() != null ? request.maxCompletionTokens()
                : request.maxTokens() != null ? request.maxTokens() : DEFAULT_MAX_TOKENS);
        Conversation conversation = conversation(request.messages());
        if (!conversation.system().isEmpty()) out.set("system", conversation.system());
        out.set("messages", conversation.messages());
        copy(body, "temperature", out, "temperature"); // the client's number as sent (1 stays 1)
        copy(body, "top_p", out, "top_p");
        copy(body, "top_k", out, "top_k"); // Anthropic's own sampling knob, passed through when sent
        stopSequences(request.stop(), out);
        thinking(request, out);
        tools(request, out);
        // Anthropic rejects personal data such as an email address as user_id (LiteLLM skips those too).
        if (request.user() != null && !request.user().isBlank() && !request.user().contains("@")) {
            out.putObject("metadata").put("user_id", request.user());
        }
        if (stream) out.put("stream", true);
        return out;
    }

    /**
     * {@code reasoning_effort} as Anthropic's {@code thinking} with LiteLLM's budgets (or LiteLLM's {@code thinking}
     * as sent). Anthropic needs {@code max_tokens} above the budget, so a smaller one is raised by the budget:
     * the client's limit then bounds the answer after the thinking.
     */
    private static void thinking(ChatCompletionRequest request, ObjectNode out) {
        JsonNode thinking = request.body().get("thinking");
        if (thinking != null && thinking.isObject()) {
            out.set("thinking", thinking);
        } else {
            JsonNode effort = request.body().get("reasoning_effort");
            if (effort == null || effort.isNull() || "none".equals(effort.asText())) return;
            if (!effort.isTextual()) throw RelayException.invalid("reasoning_effort", "'reasoning_effort' must be a string.");
            int budget = relay.core.wire.ReasoningEffort.parse(effort.asText(), "reasoning_effort").budgetTokens();
            out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
        }
        int budget = out.path("thinking").path("budget_tokens").asInt(0);
        int max = out.path("max_tokens").asInt();
        if (budget > 0 && max <= budget) out.put("max_tokens", budget + max);
    }

    private static void copy(ObjectNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) to.set(as, value);
    }

    /** Anthropic rejects whitespace-only stop sequences (OpenAI clients often send "\n"), so those are left out. */
    private static void stopSequences(List<String> stop, ObjectNode out) {
        if (stop == null) return;
        ArrayNode sequences = Json.MAPPER.createArrayNode();
        stop.stream().filter(s -> !s.isBlank()).forEach(sequences::add);
        if (!sequences.isEmpty()) out.set("stop_sequences", sequences);
    }

    // ---- messages ----

    /** Anthropic's top-level system blocks and its strictly alternating user/assistant turns. */
    record Conversation(ArrayNode system, ArrayNode messages) {}

    private record Turn(String role, List<JsonNode> blocks) {}

    static Conversation conversation(List<ChatMessage> messages) {
        ArrayNode system = Json.MAPPER.createArrayNode();
        List<Turn> turns = new ArrayList<>();
        String lastFunctionCallId = null; // pairs a legacy "function" message with the call it answers
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            String path = "messages[" + i + "]";
            switch (message.role()) {
                case "system", "developer" -> system.addAll(textBlocks(message.content(), path));
                case "user" -> append(turns, "user", contentBlocks(message.content(), path));
                case "assistant" -> {
                    append(turns, "assistant", assistantBlocks(message, i, path));
                    if (message.functionCall() != null) lastFunctionCallId = legacyCallId(i);
                }
                case "tool" -> append(turns, "user", List.of(toolResult(message.toolCallId(), message.content(), path)));
                case "function" -> {
                    if (lastFunctionCallId == null) {
                        throw RelayException.invalid(path, "'" + path + "' is a function result, but no earlier assistant "
                                + "message has a function_call it could answer.");
                    }
                    append(turns, "user", List.of(toolResult(lastFunctionCallId, message.content(), path)));
                }
                default -> throw RelayException.invalid(path + ".role", "'" + path + ".role' is not supported.");
            }
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Turn turn : turns) {
            ObjectNode message = out.addObject().put("role", turn.role());
            ArrayNode content = message.putArray("content");
            // Anthropic wants a user turn's tool_result blocks before its other blocks.
            turn.blocks().stream().filter(AnthropicRequests::isToolResult).forEach(content::add);
            turn.blocks().stream().filter(b -> !isToolResult(b)).forEach(content::add);
        }
        return new Conversation(system, out);
    }

    private static boolean isToolResult(JsonNode block) {
        return "tool_result".equals(block.path("type").asText());
    }

    /** Anthropic needs alternating roles: a turn of the same role as the previous one is merged into it. */
    private static void append(List<Turn> turns, String role, List<JsonNode> blocks) {
        if (blocks.isEmpty()) return; // Anthropic rejects empty turns
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role().equals(role)) {
            turns.get(turns.size() - 1).blocks().addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
    }

    /** System and developer content: text only. */
    private static List<JsonNode> textBlocks(JsonNode content, String path) {
        List<JsonNode> blocks = contentBlocks(content, path);
        for (JsonNode block : blocks) {
            if (!"text".equals(block.path("type").asText())) {
                throw RelayException.invalid(path + ".content", "'" + path + ".content' may hold only text for Anthropic.");
            }
        }
        return blocks;
    }

    /** A string or content parts as Anthropic blocks: text and images; empty text is left out (Anthropic rejects it). */
    private static List<JsonNode> contentBlocks(JsonNode content, String path) {
        List<JsonNode> blocks = new ArrayList<>();
        if (content == null || content.isNull()) return blocks;
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) blocks.add(text(content.asText()));
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partPath = path + ".content[" + j + "]";
            ObjectNode block = switch (part.path("type").asText()) {
                case "text" -> part.path("text").asText().isEmpty() ? null : text(part.path("text").asText());
                case "image_url" -> image(part.path("image_url"), partPath + ".image_url");
                default -> throw RelayException.invalid(partPath, "'" + partPath + "' has type '" + part.path("type").asText()
                        + "', which Relay cannot send to Anthropic; send 'text' or 'image_url' parts.");
            };
            if (block == null) continue;
            if (part.has("cache_control")) block.set("cache_control", part.get("cache_control")); // prompt caching
            blocks.add(block);
        }
        return blocks;
    }

    private static ObjectNode text(String text) {
        return Json.object().put("type", "text").put("text", text);
    }

    /** A data: URL becomes a base64 source, an http(s) URL a url source (Anthropic fetches it). */
    private static ObjectNode image(JsonNode imageUrl, String path) {
        String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
        ObjectNode block = Json.object().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (!header.endsWith(";base64") || header.indexOf(';') == 0) {
                throw RelayException.invalid(path, "'" + path + ".url' must be a base64 data URL such as "
                        + "data:image/png;base64,... for Anthropic.");
            }
            source.put("type", "base64").put("media_type", header.substring(0, header.indexOf(';')))
                    .put("data", url.substring(comma + 1));
        } else if (url.startsWith("https://") || url.startsWith("http://")) {
            source.put("type", "url").put("url", url);
        } else {
            throw RelayException.invalid(path, "'" + path + ".url' must be an http(s) URL or a base64 data URL.");
        }
        return block;
    }

    private static List<JsonNode> assistantBlocks(ChatMessage message, int index, String path) {
        List<JsonNode> blocks = new ArrayList<>(contentBlocks(message.content(), path));
        if (message.toolCalls() != null) {
            for (int j = 0; j < message.toolCalls().size(); j++) {
                ToolCall call = message.toolCalls().get(j);
                String callPath = path + ".tool_calls[" + j + "]";
                if (call.id() == null || call.function() == null || call.function().name() == null) {
                    throw RelayException.invalid(callPath, "'" + callPath + "' needs an id and a function name.");
                }
                blocks.add(toolUse(call.id(), call.function().name(), call.function().arguments(), callPath + ".function.arguments"));
            }
        }
        if (message.functionCall() != null && message.functionCall().name() != null) {
            blocks.add(toolUse(legacyCallId(index), message.functionCall().name(), message.functionCall().arguments(),
                    path + ".function_call.arguments"));
        }
        return blocks;
    }

    /** Legacy function calls carry no id; Anthropic needs one to pair the call with its result. */
    private static String legacyCallId(int messageIndex) {
        return "toolu_function_call_" + messageIndex;
    }

    /** OpenAI sends arguments as JSON text; Anthropic wants the object. */
    private static ObjectNode toolUse(String id, String name, String arguments, String path) {
        JsonNode input;
        try {
            input = arguments == null || arguments.isBlank() ? Json.object() : Json.MAPPER.readTree(arguments);
        } catch (JsonProcessingException e) {
            throw RelayException.invalid(path, "'" + path + "' is not valid JSON.");
        }
        if (!input.isObject()) throw RelayException.invalid(path, "'" + path + "' must be a JSON object.");
        ObjectNode block = Json.object().put("type", "tool_use").put("id", id).put("name", name);
        block.set("input", input);
        return block;
    }

    private static ObjectNode toolResult(String toolUseId, JsonNode content, String path) {
        ObjectNode block = Json.object().put("type", "tool_result").put("tool_use_id", toolUseId);
        if (content != null && content.isArray()) {
            ArrayNode blocks = block.putArray("content");
            contentBlocks(content, path).forEach(blocks::add);
        } else {
            block.put("content", content == null || content.isNull() ? "" : content.asText());
        }
        return block;
    }

    // ---- tools ----

    private static void tools(ChatCompletionRequest request, ObjectNode out) {
        ObjectNode body = request.body();
        AnswerShape shape = AnswerShape.of(request);
        ArrayNode tools = Json.MAPPER.createArrayNode();
        boolean legacy = request.tools() == null || request.tools().isEmpty();
        JsonNode given = legacy ? body.get("functions") : request.tools();
        if (given != null && given.isArray()) {
            for (int i = 0; i < given.size(); i++) {
                String path = (legacy ? "functions[" : "tools[") + i + "]";
                tools.add(tool(given.get(i), legacy, path));
            }
        }
        boolean clientTools = !tools.isEmpty();
        JsonNode choice = legacy ? body.get("function_call") : request.toolChoice();
        ObjectNode toolChoice = toolChoice(choice, legacy ? "function_call" : "tool_choice");
        if (shape.jsonMode()) {
            tools.add(jsonTool(request.responseFormat()));
            // Forced only when the client has no tools: otherwise the model may still call the client's.
            if (!clientTools) toolChoice = Json.object().put("type", "tool").put("name", JSON_TOOL);
        } else if (request.responseFormat() != null && !"text".equals(request.responseFormat().path("type").asText())) {
            throw RelayException.invalid("response_format.type", "'response_format.type' must be text, json_object or json_schema.");
        }
        if (tools.isEmpty()) return; // Anthropic rejects tool_choice without tools
        out.set("tools", tools);
        boolean oneCallOnly = shape.legacyFunctions() || !body.path("parallel_tool_calls").asBoolean(true);
        if (oneCallOnly && (toolChoice == null || !"none".equals(toolChoice.path("type").asText()))) {
            if (toolChoice == null) toolChoice = Json.object().put("type", "auto");
            toolChoice.put("disable_parallel_tool_use", true);
        }
        if (toolChoice != null) out.set("tool_choice", toolChoice);
    }

    /** An OpenAI tool (or legacy function) as {@code {name, description, input_schema}}. */
    private static ObjectNode tool(JsonNode tool, boolean legacy, String path) {
        if (!legacy && !"function".equals(tool.path("type").asText("function"))) {
            throw RelayException.invalid(path + ".type", "'" + path + ".type' is '" + tool.path("type").asText()
                    + "'; Relay sends only function tools to Anthropic.");
        }
        JsonNode function = legacy ? tool : tool.path("function");
        if (!function.path("name").isTextual()) {
            throw RelayException.invalid(path, "'" + path + (legacy ? "" : ".function") + ".name' is required.");
        }
        ObjectNode out = Json.object().put("name", function.path("name").asText());
        if (function.path("description").isTextual()) out.put("description", function.path("description").asText());
        JsonNode parameters = function.get("parameters");
        out.set("input_schema", parameters != null && parameters.isObject() ? parameters : emptySchema());
        if (tool.has("cache_control")) out.set("cache_control", tool.get("cache_control"));
        return out;
    }

    private static ObjectNode emptySchema() {
        ObjectNode schema = Json.object().put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    /** auto/none/required/{function} (or legacy auto/none/{name}) -> auto/none/any/tool. */
    private static ObjectNode toolChoice(JsonNode choice, String field) {
        if (choice == null || choice.isNull()) return null;
        if (choice.isTextual()) {
            String type = switch (choice.asText()) {
                case "auto" -> "auto";
                case "none" -> "none";
                case "required" -> "any";
                default -> throw RelayException.invalid(field, "'" + field + "' must be auto, none, required or a named "
                        + "function, not '" + choice.asText() + "'.");
            };
            return Json.object().put("type", type);
        }
        JsonNode name = choice.has("function") ? choice.path("function").path("name") : choice.path("name");
        if (!name.isTextual()) throw RelayException.invalid(field, "'" + field + "' must name a function.");
        return Json.object().put("type", "tool").put("name", name.asText());
    }

    /** The JSON-mode tool: the json_schema's schema, or any object for json_object. */
    private static ObjectNode jsonTool(JsonNode responseFormat) {
        JsonNode schema = responseFormat.path("json_schema").path("schema");
        ObjectNode tool = Json.object().put("name", JSON_TOOL)
                .put("description", "Give the answer as this tool's input: a JSON object.");
        if (schema.isObject()) {
            tool.set("input_schema", schema);
        } else {
            ObjectNode any = emptySchema();
            any.put("additionalProperties", true);
            tool.set("input_schema", any);
        }
        return tool;
    }
}
