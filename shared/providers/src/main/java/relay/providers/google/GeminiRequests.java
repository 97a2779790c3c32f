package relay.providers.google;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;

/**
 * OpenAI's chat request as Gemini's {@code generateContent} body, the same for the Gemini API and Vertex
 * AI. A request Gemini cannot express is a 400 naming the field, before anything is sent.
 */
public final class GeminiRequests {
    /** Google's documented stand-in for a thought signature the conversation no longer has (Gemini 3+). */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";
    private static final Pattern SIGNATURES_REQUIRED = Pattern.compile("^(models/)?gemini-([3-9]|\\d{2,})([.-].*)?$");
    private static final Pattern DATA_URL = Pattern.compile("^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$", Pattern.DOTALL);
    private static final Map<String, String> MIME_BY_EXTENSION = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"), Map.entry("heic", "image/heic"),
            Map.entry("heif", "image/heif"), Map.entry("pdf", "application/pdf"), Map.entry("txt", "text/plain"),
            Map.entry("mp3", "audio/mp3"), Map.entry("wav", "audio/wav"), Map.entry("flac", "audio/flac"),
            Map.entry("mp4", "video/mp4"), Map.entry("mov", "video/mov"), Map.entry("webm", "video/webm"));

    private GeminiRequests() {}

    /** The {@code generateContent} body for {@code request}; {@code model} decides Gemini-3-only details. */
    public static ObjectNode build(ChatCompletionRequest request, String model) {
        Conversation conversation = new Conversation(SIGNATURES_REQUIRED.matcher(model).matches());
        List<ChatMessage> messages = request.messages();
        for (int i = 0; i < messages.size(); i++) conversation.add(messages.get(i), "messages[" + i + "]");
        ObjectNode body = Json.object();
        conversation.finish();
        if (!conversation.system.isEmpty()) body.putObject("systemInstruction").set("parts", conversation.system);
        body.set("contents", conversation.contents);
        tools(request, body);
        ObjectNode generation = generationConfig(request);
        if (!generation.isEmpty()) body.set("generationConfig", generation);
        return body;
    }

    /** The {@code contents} being built: consecutive turns of one role merge, as Gemini wants alternating roles. */
    private static final class Conversation {
        final ArrayNode contents = Json.MAPPER.createArrayNode();
        final ArrayNode system = Json.MAPPER.createArrayNode();
        final Map<String, String> toolNames = new HashMap<>();
        final boolean signaturesRequired;

        Conversation(boolean signaturesRequired) {
            this.signaturesRequired = signaturesRequired;
        }

        void add(ChatMessage message, String at) {
            switch (message.role()) {
                case "system", "developer" -> system.addAll(systemParts(message.content(), at));
                case "user" -> turn("user", userParts(message.content(), at));
                case "assistant" -> turn("model", modelParts(message, at));
                case "tool" -> turn("user", functionResponse(toolName(message, at), message));
                case "function" -> {
                    if (message.name() == null) throw RelayException.invalid(at + ".name", "'" + at + ".name' is required for a function message.");
                    turn("user", functionResponse(message.name(), message));
                }
                default -> throw RelayException.invalid(at + ".role", "'" + at + ".role' '" + message.role() + "' is not supported by Gemini.");
            }
        }

        void turn(String role, ArrayNode parts) {
            if (parts.isEmpty()) return;
            JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
            if (last != null && role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("parts")).addAll(parts);
            } else {
                ObjectNode content = contents.addObject().put("role", role);
                content.set("parts", parts);
            }
        }

        /** Gemini needs at least one content: a conversation of only instructions sends them as the user's turn. */
        void finish() {
            if (contents.isEmpty() && !system.isEmpty()) {
                turn("user", system.deepCopy());
                system.removeAll();
            }
        }

        ArrayNode modelParts(ChatMessage message, String at) {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            String text = message.text();
            if (!text.isEmpty()) parts.addObject().put("text", text);
            boolean signed = false;
            int firstCall = parts.size();
            List<ToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
            for (int j = 0; j < calls.size(); j++) {
                ToolCall call = calls.get(j);
                String where = at + ".tool_calls[" + j + "]";
                if (call.type() != null && !call.type().equals("function")) {
                    throw RelayException.invalid(where + ".type", "'" + where + ".type' '" + call.type() + "' is not supported by Gemini.");
                }
                if (call.function() == null || call.function().name() == null) {
                    throw RelayException.invalid(where + ".function.name", "'" + where + ".function.name' is required.");
                }
                ObjectNode part = functionCall(call.function().name(), call.function().arguments(), where + ".function.arguments");
                String signature = ToolCallIds.signature(call.id());
                if (signature != null) {
                    part.put("thoughtSignature", signature);
                    signed = true;
                }
                parts.add(part);
                if (call.id() != null) toolNames.put(call.id(), call.function().name());
            }
            if (message.functionCall() != null && message.functionCall().name() != null) {
                parts.add(functionCall(message.functionCall().name(), message.functionCall().arguments(), at + ".function_call.arguments"));
            }
            if (signaturesRequired && !signed && parts.size() > firstCall) {
                ((ObjectNode) parts.get(firstCall)).put("thoughtSignature", SKIP_SIGNATURE);
            }
            return parts;
        }

        String toolName(ChatMessage message, String at) {
            String name = toolNames.get(message.toolCallId());
            if (name != null) return name;
            if (message.name() != null) return message.name();
            throw RelayException.invalid(at + ".tool_call_id", "'" + at + ".tool_call_id' '" + message.toolCallId()
                    + "' matches no earlier assistant tool call; Gemini needs the called function's name.");
        }
    }

    private static ObjectNode functionCall(String name, String arguments, String at) {
        ObjectNode part = Json.object();
        ObjectNode call = part.putObject("functionCall").put("name", name);
        call.set("args", arguments(arguments, at));
        return part;
    }

    private static JsonNode arguments(String arguments, String at) {
        if (arguments == null || arguments.isBlank()) return Json.object();
        try {
            JsonNode parsed = Json.MAPPER.readTree(arguments);
            if (parsed != null && parsed.isObject()) return parsed;
        } catch (JsonProcessingException e) {
            // reported below
        }
        throw RelayException.invalid(at, "'" + at + "' must be a JSON object in a string.");
    }

    /** A tool's result: its JSON object as it is, anything else under {@code content} (Gemini wants an object). */
    private static ArrayNode functionResponse(String name, ChatMessage message) {
        String text = message.text();
        JsonNode response = null;
        try {
            response = text.isBlank() ? null : Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            // not JSON: sent as text
        }
        ObjectNode part = Json.object();
        ObjectNode call = part.putObject("functionResponse").put("name", name);
        if (response != null && response.isObject()) call.set("response", response);
        else call.putObject("response").put("content", text);
        return Json.MAPPER.createArrayNode().add(part);
    }

    private static ArrayNode systemParts(JsonNode content, String at) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        if (content == null || content.isNull()) return parts;
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) parts.addObject().put("text", content.asText());
            return parts;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!"text".equals(part.path("type").asText())) {
                throw RelayException.invalid(at + ".content[" + j + "]", "'" + at + ".content[" + j + "]': Gemini takes only text in system instructions.");
            }
            parts.addObject().put("text", part.path("text").asText());
        }
        return parts;
    }

    private static ArrayNode userParts(JsonNode content, String at) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        if (content == null || content.isNull()) return parts;
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) parts.addObject().put("text", content.asText());
            return parts;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String where = at + ".content[" + j + "]";
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> parts.addObject().put("text", part.path("text").asText());
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    parts.add(media(image.isTextual() ? image.asText() : image.path("url").asText(), "image/jpeg", where + ".image_url.url"));
                }
                case "input_audio" -> {
                    JsonNode audio = part.path("input_audio");
                    ObjectNode inline = parts.addObject().putObject("inlineData");
                    inline.put("mimeType", "audio/" + audio.path("format").asText("wav"));
                    inline.put("data", audio.path("data").asText());
                }
                case "file" -> parts.add(file(part.path("file"), where + ".file"));
                default -> throw RelayException.invalid(where + ".type", "'" + where + ".type' '" + type + "' is not supported by Gemini.");
            }
        }
        return parts;
    }

    private static ObjectNode file(JsonNode file, String at) {
        String fallbackMime = guessMime(file.path("filename").asText(""), file.path("format").asText("application/octet-stream"));
        if (file.hasNonNull("file_data")) return media(file.path("file_data").asText(), fallbackMime, at + ".file_data");
        if (file.hasNonNull("file_id")) return media(file.path("file_id").asText(), fallbackMime, at + ".file_id");
        throw RelayException.invalid(at, "'" + at + "' needs file_data (a data: URL) or file_id (a gs:// or https:// URI).");
    }

    /** A data: URL becomes {@code inlineData}; a gs:// or http(s) URL becomes {@code fileData}, which Gemini fetches. */
    private static ObjectNode media(String url, String fallbackMime, String at) {
        ObjectNode part = Json.object();
        if (url.startsWith("data:")) {
            var match = DATA_URL.matcher(url);
            if (!match.matches()) throw RelayException.invalid(at, "'" + at + "' must be a base64 data: URL (data:<type>;base64,<data>).");
            ObjectNode inline = part.putObject("inlineData");
            inline.put("mimeType", match.group(1));
            inline.put("data", match.group(3));
        } else if (url.startsWith("gs://") || url.startsWith("https://") || url.startsWith("http://")) {
            ObjectNode data = part.putObject("fileData");
            data.put("mimeType", guessMime(url, fallbackMime));
            data.put("fileUri", url);
        } else {
            throw RelayException.invalid(at, "'" + at + "' must be a data: URL, a gs:// URI or an http(s) URL.");
        }
        return part;
    }

    private static String guessMime(String url, String fallback) {
        String path = url.replaceFirst("[?#].*$", "");
        int dot = path.lastIndexOf('.');
        if (dot < 0 || dot < path.lastIndexOf('/')) return fallback;
        return MIME_BY_EXTENSION.getOrDefault(path.substring(dot + 1).toLowerCase(Locale.ROOT), fallback);
    }

    private static void tools(ChatCompletionRequest request, ObjectNode body) {
        ArrayNode declarations = Json.MAPPER.createArrayNode();
        JsonNode tools = request.tools();
        if (tools != null) {
            for (int j = 0; j < tools.size(); j++) {
                JsonNode tool = tools.get(j);
                String type = tool.path("type").asText("function");
                if (!type.equals("function")) {
                    throw RelayException.invalid("tools[" + j + "].type", "'tools[" + j + "].type' '" + type + "' is not supported by Gemini; use function tools.");
                }
                declarations.add(declaration(tool.path("function"), "tools[" + j + "].function"));
            }
        }
        JsonNode functions = request.body().get("functions"); // the legacy form of tools
        if (functions != null && functions.isArray()) {
            for (int j = 0; j < functions.size(); j++) declarations.add(declaration(functions.get(j), "functions[" + j + "]"));
        }
        if (!declarations.isEmpty()) body.putArray("tools").addObject().set("functionDeclarations", declarations);
        ObjectNode calling = functionCallingConfig(request.toolChoice(), request.body().get("function_call"));
        if (calling != null) body.putObject("toolConfig").set("functionCallingConfig", calling);
    }

    private static ObjectNode declaration(JsonNode function, String at) {
        if (!function.path("name").isTextual()) throw RelayException.invalid(at + ".name", "'" + at + ".name' is required.");
        ObjectNode declaration = Json.object().put("name", function.path("name").asText());
        if (function.hasNonNull("description")) declaration.put("description", function.path("description").asText());
        ObjectNode parameters = GeminiSchemas.clean(function.get("parameters"));
        if (!GeminiSchemas.isEmptyObject(parameters)) declaration.set("parameters", parameters);
        return declaration;
    }

    private static ObjectNode functionCallingConfig(JsonNode toolChoice, JsonNode legacyFunctionCall) {
        boolean legacy = toolChoice == null || toolChoice.isNull();
        JsonNode choice = legacy ? legacyFunctionCall : toolChoice;
        String param = legacy ? "function_call" : "tool_choice";
        if (choice == null || choice.isNull()) return null;
        if (choice.isTextual()) {
            String mode = switch (choice.asText()) {
                case "auto" -> "AUTO";
                case "none" -> "NONE";
                case "required" -> "ANY";
                default -> throw RelayException.invalid(param, "'" + param + "' must be \"auto\", \"none\", \"required\" or a named function.");
            };
            return Json.object().put("mode", mode);
        }
        JsonNode name = choice.has("function") ? choice.path("function").path("name") : choice.path("name");
        if (!name.isTextual()) throw RelayException.invalid(param, "'" + param + "' names no function.");
        ObjectNode config = Json.object().put("mode", "ANY");
        config.putArray("allowedFunctionNames").add(name.asText());
        return config;
    }

    private static ObjectNode generationConfig(ChatCompletionRequest request) {
        ObjectNode config = Json.object();
        if (request.temperature() != null) config.put("temperature", request.temperature());
        if (request.topP() != null) config.put("topP", request.topP());
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        if (maxTokens != null) config.put("maxOutputTokens", maxTokens);
        if (request.stop() != null && !request.stop().isEmpty()) request.stop().forEach(config.putArray("stopSequences")::add);
        if (request.n() != null) config.put("candidateCount", request.n());
        if (request.seed() != null) {
            if (request.seed() != request.seed().intValue()) {
                throw RelayException.invalid("seed", "'seed' must fit in 32 bits for Gemini.");
            }
            config.put("seed", request.seed().intValue());
        }
        for (String[] penalty : new String[][] {{"presence_penalty", "presencePenalty"}, {"frequency_penalty", "frequencyPenalty"}}) {
            JsonNode value = request.body().get(penalty[0]);
            if (value != null && value.isNumber()) config.put(penalty[1], value.asDouble());
        }
        responseFormat(request.responseFormat(), config);
        thinking(request, config);
        return config;
    }

    /** {@code reasoning_effort} as Gemini's thinking budget (LiteLLM's budgets), its thoughts returned as reasoning_content. */
    private static void thinking(ChatCompletionRequest request, ObjectNode config) {
        JsonNode effort = request.body().get("reasoning_effort");
        if (effort == null || effort.isNull()) return;
        if (!effort.isTextual()) throw RelayException.invalid("reasoning_effort", "'reasoning_effort' must be a string.");
        ObjectNode thinking = config.putObject("thinkingConfig");
        if (effort.asText().equals("none")) {
            thinking.put("thinkingBudget", 0);
            return;
        }
        thinking.put("thinkingBudget", relay.core.wire.ReasoningEffort.parse(effort.asText(), "reasoning_effort").budgetTokens());
        thinking.put("includeThoughts", true);
    }

    private static void responseFormat(JsonNode format, ObjectNode config) {
        if (format == null || format.isNull()) return;
        switch (format.path("type").asText()) {
            case "text" -> { }
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                JsonNode schema = format.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw RelayException.invalid("response_format.json_schema.schema", "'response_format.json_schema.schema' is required.");
                }
                config.put("responseMimeType", "application/json");
                ObjectNode cleaned = GeminiSchemas.clean(schema);
                if (!GeminiSchemas.isEmptyObject(cleaned)) config.set("responseSchema", cleaned); // else plain JSON mode
            }
            default -> throw RelayException.invalid("response_format.type", "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\".");
        }
    }
}
