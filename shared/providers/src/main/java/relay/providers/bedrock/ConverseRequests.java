package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;

/**
 * OpenAI's chat request as a Bedrock Converse body. Pure: no I/O. Anything Converse cannot express
 * is a 400 naming the field, never a silent loss.
 *
 * <p>JSON mode ({@code response_format} json_object / json_schema) is emulated with a forced tool:
 * the model must call {@value #JSON_TOOL} whose input schema is the requested one, and the answer
 * readers turn that call's input back into the message text. Converse has no JSON mode of its own,
 * and a forced tool is the only way to get schema-shaped output from every tool-capable model.
 */
public final class ConverseRequests {
    /** The tool that carries JSON-mode answers, named as LiteLLM names it. */
    public static final String JSON_TOOL = "json_tool_call";

    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");
    private static final Pattern DATA_URL = Pattern.compile("^data:([^;,]+)((?:;[^;,]+)*),(.*)$", Pattern.DOTALL);

    private ConverseRequests() {}

    /** How the answer must be read back: JSON mode's tool becomes text; legacy functions get {@code function_call}. */
    public record Shape(boolean jsonMode, boolean legacyFunctions) {
        public static final Shape PLAIN = new Shape(false, false);
    }

    /** The Converse body and how to read its answer. */
    public record Converse(ObjectNode body, Shape shape) {}

    public static Converse toConverse(ChatCompletionRequest request) {
        ObjectNode body = Json.object();
        ArrayNode system = Json.MAPPER.createArrayNode();
        Turns turns = new Turns();
        List<ChatMessage> messages = request.messages();
        Map<String, String> legacyCallIds = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            String path = "messages[" + i + "]";
            switch (message.role()) {
                case "system", "developer" -> textBlocks(message.content(), path, system);
                case "user" -> turns.add("user", userBlocks(message.content(), path));
                case "assistant" -> turns.add("assistant", assistantBlocks(message, i, legacyCallIds));
                case "tool" -> turns.add("user", toolResult(message.toolCallId(), message));
                case "function" -> turns.add("user", toolResult(
                        legacyCallIds.getOrDefault(String.valueOf(message.name()), legacyId(message.name(), i)), message));
                default -> throw RelayException.invalid(path + ".role", "Bedrock does not take the role '" + message.role() + "'.");
            }
        }
        body.set("messages", turns.messages);
        if (!system.isEmpty()) body.set("system", system);
        ObjectNode inference = inferenceConfig(request);
        if (!inference.isEmpty()) body.set("inferenceConfig", inference);

        boolean legacy = request.tools() == null && request.body().path("functions").isArray();
        JsonNode tools = legacy ? legacyTools(request.body().get("functions")) : request.tools();
        JsonNode choice = legacy ? legacyChoice(request.body().get("function_call")) : request.toolChoice();
        boolean offered = tools != null && !tools.isEmpty() && !isNone(choice);
        ObjectNode jsonSchema = jsonSchema(request.responseFormat());
        if (jsonSchema != null && offered) {
            throw RelayException.invalid("response_format", "Bedrock answers in JSON mode through a forced tool, so"
                    + " 'response_format' cannot be combined with 'tools' here; send one of them.");
        }
        if (jsonSchema != null) {
            ObjectNode config = body.putObject("toolConfig");
            config.putArray("tools").add(toolSpec(JSON_TOOL, "Answer with JSON that matches this schema.", jsonSchema));
            config.putObject("toolChoice").putObject("tool").put("name", JSON_TOOL);
        } else if (offered) {
            ObjectNode config = body.putObject("toolConfig");
            config.set("tools", toolSpecs(tools, legacy ? "functions" : "tools"));
            ObjectNode toolChoice = toolChoice(choice, legacy ? "function_call" : "tool_choice");
            if (toolChoice != null) config.set("toolChoice", toolChoice);
        } else if (!turns.toolNames.isEmpty()) {
            // Converse rejects toolUse/toolResult history without a toolConfig; declare the tools the history
            // used (with their schemas when the client sent them) and force nothing.
            ArrayNode specs = body.putObject("toolConfig").putArray("tools");
            Map<String, JsonNode> known = new HashMap<>();
            if (tools != null) toolSpecs(tools, legacy ? "functions" : "tools").forEach(s -> known.put(s.path("toolSpec").path("name").asText(), s));
            for (String name : turns.toolNames) {
                specs.add(known.getOrDefault(name, toolSpec(name, null, Json.object().put("type", "object"))));
            }
        }
        return new Converse(body, new Shape(jsonSchema != null, legacy));
    }

    /** Collects turns, merging consecutive ones of the same role (Converse requires roles to alternate). */
    private static final class Turns {
        final ArrayNode messages = Json.MAPPER.createArrayNode();
        final Set<String> toolNames = new java.util.LinkedHashSet<>();
        private String lastRole;
        private ArrayNode lastContent;

        void add(String role, ArrayNode blocks) {
            if (blocks.isEmpty()) return; // Converse rejects empty content
            for (JsonNode block : blocks) {
                if (block.has("toolUse")) toolNames.add(block.path("toolUse").path("name").asText());
            }
            if (role.equals(lastRole)) {
                lastContent.addAll(blocks);
                return;
            }
            ObjectNode turn = messages.addObject();
            turn.put("role", role);
            lastContent = turn.putArray("content");
            lastContent.addAll(blocks);
            lastRole = role;
        }
    }

    private static void textBlocks(JsonNode content, String path, ArrayNode into) {
        if (content == null || content.isNull()) return;
        if (content.isTextual()) {
            addText(into, content.asText());
            return;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!"text".equals(part.path("type").asText())) {
                throw RelayException.invalid(path + ".content[" + j + "]", "Bedrock takes only text in '" + path
                        + "'; part " + j + " is '" + part.path("type").asText() + "'.");
            }
            addText(into, part.path("text").asText());
        }
    }

    /** Converse rejects blank text blocks, so they are left out. */
    private static void addText(ArrayNode into, String text) {
        if (text != null && !text.isBlank()) into.addObject().put("text", text);
    }

    private static ArrayNode userBlocks(JsonNode content, String path) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        if (content == null || content.isTextual()) {
            textBlocks(content, path, blocks);
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partPath = path + ".content[" + j + "]";
            switch (part.path("type").asText()) {
                case "text" -> addText(blocks, part.path("text").asText());
                case "image_url" -> blocks.add(image(part.path("image_url"), partPath));
                default -> throw RelayException.invalid(partPath, "Bedrock does not take content parts of type '"
                        + part.path("type").asText() + "' (in '" + partPath + "'); send text or image_url.");
            }
        }
        return blocks;
    }

    /**
     * An image block from OpenAI's {@code image_url}: a base64 {@code data:} URL, or an {@code s3://} URI
     * (Converse reads S3 itself). Relay does not fetch http URLs for Bedrock: that would make it fetch
     * arbitrary addresses on a client's behalf.
     */
    static ObjectNode image(JsonNode imageUrl, String path) {
        String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
        ObjectNode block = Json.object();
        ObjectNode image = block.putObject("image");
        Matcher data = DATA_URL.matcher(url);
        if (data.matches()) {
            String mime = data.group(1).toLowerCase(Locale.ROOT);
            if (!data.group(2).toLowerCase(Locale.ROOT).contains(";base64")) {
                throw RelayException.invalid(path, "The image in '" + path + "' must be a base64 data: URL.");
            }
            image.put("format", imageFormat(mime.startsWith("image/") ? mime.substring(6) : mime, path));
            image.putObject("source").put("bytes", data.group(3).strip());
            return block;
        }
        if (url.startsWith("s3://")) {
            String extension = url.substring(url.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
            image.put("format", imageFormat(extension, path));
            image.putObject("source").putObject("s3Location").put("uri", url);
            return block;
        }
        throw RelayException.invalid(path, "Bedrock takes images as base64 data: URLs (or s3:// URIs); the image in '"
                + path + "' is neither. Relay does not download images for Bedrock.");
    }

    private static String imageFormat(String subtype, String path) {
        String format = subtype.equals("jpg") ? "jpeg" : subtype;
        if (!IMAGE_FORMATS.contains(format)) {
            throw RelayException.invalid(path, "Bedrock takes png, jpeg, gif and webp images; the image in '" + path
                    + "' is '" + subtype + "'.");
        }
        return format;
    }

    private static ArrayNode assistantBlocks(ChatMessage message, int index, Map<String, String> legacyCallIds) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        textBlocks(message.content(), "messages[" + index + "]", blocks);
        if (message.toolCalls() != null) {
            for (int k = 0; k < message.toolCalls().size(); k++) {
                ToolCall call = message.toolCalls().get(k);
                String path = "messages[" + index + "].tool_calls[" + k + "]";
                if (call.function() == null || call.function().name() == null) {
                    throw RelayException.invalid(path + ".function.name", "'" + path + ".function.name' is required.");
                }
                String id = call.id() != null ? call.id() : legacyId(call.function().name(), index);
                blocks.add(toolUse(id, call.function().name(), call.function().arguments()));
            }
        }
        if (message.functionCall() != null && message.functionCall().name() != null) {
            String id = legacyId(message.functionCall().name(), index);
            legacyCallIds.put(message.functionCall().name(), id);
            blocks.add(toolUse(id, message.functionCall().name(), message.functionCall().arguments()));
        }
        return blocks;
    }

    /** Legacy function calls carry no id; Converse needs one to pair a call with its result. */
    private static String legacyId(String name, int index) {
        return "call_" + name + "_" + index;
    }

    private static ObjectNode toolUse(String id, String name, String arguments) {
        ObjectNode block = Json.object();
        ObjectNode use = block.putObject("toolUse");
        use.put("toolUseId", id).put("name", name);
        use.set("input", arguments(arguments));
        return block;
    }

    /** OpenAI's arguments are JSON text; Converse wants the JSON itself (an object; blank is {}). */
    private static JsonNode arguments(String arguments) {
        if (arguments == null || arguments.isBlank()) return Json.object();
        try {
            JsonNode parsed = Json.MAPPER.readTree(arguments);
            return parsed == null || parsed.isMissingNode() ? Json.object() : parsed;
        } catch (IOException e) {
            throw RelayException.invalid("messages", "A tool call's arguments are not valid JSON: Bedrock needs them as JSON.");
        }
    }

    /** A tool result as text: every Converse model reads text results, not all take {@code json} blocks. */
    private static ArrayNode toolResult(String toolUseId, ChatMessage message) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        ObjectNode result = blocks.addObject().putObject("toolResult");
        result.put("toolUseId", toolUseId);
        ArrayNode content = result.putArray("content");
        String text = message.text();
        content.addObject().put("text", text.isEmpty() ? "(empty)" : text);
        return blocks;
    }

    /**
     * {@code reasoning_effort} in the Converse body for the model behind it: Claude's {@code thinking} budget
     * (LiteLLM's budgets; {@code maxTokens} raised by the budget when not above it), Nova's {@code reasoningConfig}.
     * Other models on Bedrock reason on their own or not at all; for them it is left out.
     */
    public static void reasoning(ChatCompletionRequest request, String modelId, ObjectNode body) {
        JsonNode effort = request.body().get("reasoning_effort");
        if (effort == null || effort.isNull() || "none".equals(effort.asText())) return;
        if (!effort.isTextual()) throw RelayException.invalid("reasoning_effort", "'reasoning_effort' must be a string.");
        var level = relay.core.wire.ReasoningEffort.parse(effort.asText(), "reasoning_effort");
        String model = modelId.toLowerCase(java.util.Locale.ROOT);
        ObjectNode fields = body.has("additionalModelRequestFields") ? (ObjectNode) body.get("additionalModelRequestFields")
                : Json.object();
        if (model.contains("anthropic") || model.contains("claude")) {
            fields.putObject("thinking").put("type", "enabled").put("budget_tokens", level.budgetTokens());
            ObjectNode inference = body.has("inferenceConfig") ? (ObjectNode) body.get("inferenceConfig") : body.putObject("inferenceConfig");
            int max = inference.path("maxTokens").asInt(4096);
            if (max <= level.budgetTokens()) inference.put("maxTokens", level.budgetTokens() + max);
        } else if (model.contains("nova")) {
            String nova = level == relay.core.wire.ReasoningEffort.MINIMAL ? "low" : level.wire();
            fields.putObject("reasoningConfig").put("type", "enabled").put("maxReasoningEffort", nova);
        } else {
            return;
        }
        body.set("additionalModelRequestFields", fields);
    }

    private static ObjectNode inferenceConfig(ChatCompletionRequest request) {
        ObjectNode config = Json.object();
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        if (maxTokens != null) config.put("maxTokens", maxTokens);
        if (request.temperature() != null) config.put("temperature", request.temperature());
        if (request.topP() != null) config.put("topP", request.topP());
        if (request.stop() != null && !request.stop().isEmpty()) {
            ArrayNode stops = config.putArray("stopSequences");
            request.stop().forEach(stops::add);
        }
        return config;
    }

    private static ArrayNode toolSpecs(JsonNode tools, String param) {
        ArrayNode specs = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String path = param + "[" + i + "]";
            if (!"function".equals(tool.path("type").asText("function"))) {
                throw RelayException.invalid(path + ".type", "Bedrock takes only function tools; '" + path
                        + ".type' is '" + tool.path("type").asText() + "'.");
            }
            JsonNode function = tool.path("function");
            if (!function.path("name").isTextual()) {
                throw RelayException.invalid(path + ".function.name", "'" + path + ".function.name' is required.");
            }
            JsonNode parameters = function.path("parameters");
            specs.add(toolSpec(function.path("name").asText(),
                    function.path("description").isTextual() ? function.path("description").asText() : null,
                    parameters.isObject() ? parameters : Json.object().put("type", "object").set("properties", Json.object())));
        }
        return specs;
    }

    private static ObjectNode toolSpec(String name, String description, JsonNode schema) {
        ObjectNode tool = Json.object();
        ObjectNode spec = tool.putObject("toolSpec");
        spec.put("name", name);
        if (description != null && !description.isBlank()) spec.put("description", description);
        spec.putObject("inputSchema").set("json", schema);
        return tool;
    }

    /** The legacy {@code functions} as tools. */
    private static ArrayNode legacyTools(JsonNode functions) {
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (JsonNode function : functions) {
            ObjectNode tool = tools.addObject();
            tool.put("type", "function");
            tool.set("function", function);
        }
        return tools;
    }

    /** The legacy {@code function_call} as a tool choice: "none", "auto" or {"name": ...}. */
    private static JsonNode legacyChoice(JsonNode functionCall) {
        if (functionCall == null || functionCall.isNull() || functionCall.isTextual()) return functionCall;
        ObjectNode choice = Json.object().put("type", "function");
        choice.putObject("function").set("name", functionCall.path("name"));
        return choice;
    }

    private static boolean isNone(JsonNode choice) {
        return choice != null && choice.isTextual() && choice.asText().equals("none");
    }

    private static ObjectNode toolChoice(JsonNode choice, String param) {
        if (choice == null || choice.isNull()) return null; // Converse's default is auto
        ObjectNode converse = Json.object();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> converse.putObject("auto");
                case "required" -> converse.putObject("any");
                default -> throw RelayException.invalid(param, "'" + param + "' must be \"none\", \"auto\", \"required\""
                        + " or a named function, not \"" + choice.asText() + "\".");
            }
            return converse;
        }
        JsonNode name = choice.path("function").path("name");
        if (!name.isTextual()) {
            throw RelayException.invalid(param, "'" + param + "' names no function: send {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        converse.putObject("tool").put("name", name.asText());
        return converse;
    }

    /** The schema JSON mode must follow, or null when the answer is free text. */
    private static ObjectNode jsonSchema(JsonNode responseFormat) {
        if (responseFormat == null || responseFormat.isNull()) return null;
        String type = responseFormat.path("type").asText();
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Json.object().put("type", "object");
            case "json_schema" -> {
                JsonNode schema = responseFormat.path("json_schema").path("schema");
                yield schema.isObject() ? ((ObjectNode) schema).deepCopy() : Json.object().put("type", "object");
            }
            default -> throw RelayException.invalid("response_format.type", "'response_format.type' is '" + type
                    + "'; Bedrock takes \"text\", \"json_object\" or \"json_schema\".");
        };
    }
}
