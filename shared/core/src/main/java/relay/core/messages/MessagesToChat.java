package relay.core.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import relay.core.gateway.NativeCaching;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.Fields;
import relay.core.wire.ReasoningEffort;

/**
 * Anthropic Messages request -> OpenAI chat request body. Pure. The request's shape is checked here
 * (a malformed body is a 400 naming the field, whoever serves it); what is well formed but has no
 * chat counterpart (server tools, unknown block types) is recorded as {@link #untranslatable}, a 400
 * only for deployments that need the translation, since Anthropic takes it natively.
 */
public final class MessagesToChat {
    /** Anthropic's fields for its server-side features, which no other provider has. */
    private static final Set<String> ANTHROPIC_ONLY = Set.of("mcp_servers", "container", "context_management");

    private final ObjectNode chat = Json.object();
    private final ArrayNode messages = chat.putArray("messages");
    private RelayException untranslatable;

    private MessagesToChat() {}

    public record Translation(ObjectNode chat, RelayException untranslatable) {}

    /** @param countTokens for {@code /v1/messages/count_tokens}: {@code max_tokens} is not required */
    public static Translation translate(ObjectNode body, boolean countTokens) {
        MessagesToChat t = new MessagesToChat();
        t.run(body, countTokens);
        return new Translation(t.chat, t.untranslatable);
    }

    private void run(ObjectNode body, boolean countTokens) {
        chat.put("model", relay.core.wire.RequestParser.model(body));
        system(body);
        conversation(body);
        Integer maxTokens = Fields.integer(body, "max_tokens", "max_tokens", 1);
        if (maxTokens == null && !countTokens) throw RelayException.invalid("max_tokens", "'max_tokens' is required.");
        if (maxTokens != null) chat.put("max_completion_tokens", maxTokens);
        Double temperature = Fields.number(body, "temperature", "temperature", 0, 1);
        if (temperature != null) chat.set("temperature", body.get("temperature")); // the number as sent
        if (Fields.number(body, "top_p", "top_p", 0, 1) != null) chat.set("top_p", body.get("top_p"));
        Fields.integer(body, "top_k", "top_k", 0); // Anthropic's alone: OpenAI rejects it, so only native calls carry it
        stopSequences(body);
        Boolean stream = Fields.bool(body, "stream", "stream");
        if (Boolean.TRUE.equals(stream)) {
            chat.put("stream", true);
            chat.putObject("stream_options").put("include_usage", true);
        }
        JsonNode metadata = Fields.object(body, "metadata", "metadata");
        if (metadata != null) {
            String user = Fields.string(metadata, "user_id", "metadata.user_id");
            if (user != null && !user.isBlank()) chat.put("user", user);
        }
        tools(body);
        toolChoice(body);
        thinking(body);
        for (String field : ANTHROPIC_ONLY) {
            if (Fields.optional(body, field) != null) untranslatable(field, "'" + field + "' is a feature of Anthropic's own API");
        }
        relay.core.wire.RelayFields.carry(body, chat);
    }

    /** The body fields the translation carries whole (with {@link relay.core.wire.RelayFields#ALL}); {@code thinking} is bucketed, so not. */
    private static final Set<String> TRANSLATED = Set.of("model", "messages", "system", "max_tokens", "temperature", "top_p",
            "stop_sequences", "stream", "metadata", "tools", "tool_choice", "service_tier");
    private static final Set<String> BLOCK_FIELDS = Set.of("type", "text", "source", "title", "id", "name", "input",
            "tool_use_id", "content", "is_error");
    private static final Set<String> TOOL_FIELDS = Set.of("type", "name", "description", "input_schema");

    /**
     * What of a Messages request its chat translation drops and an answer can depend on, for the response cache's key:
     * fields chat has no counterpart for ({@code top_k}, {@code thinking} as given, new ones), what blocks and tools
     * carry beyond what is translated (thinking blocks, citations), and the {@code anthropic-version} and
     * {@code anthropic-beta} headers. Empty for a request the translation carries whole.
     *
     * @param headers the client's headers that go to Anthropic
     */
    public static ObjectNode nativeOnly(ObjectNode body, java.util.Map<String, String> headers) {
        ObjectNode extra = Json.object();
        Set<String> carried = new java.util.HashSet<>(TRANSLATED);
        carried.addAll(relay.core.wire.RelayFields.ALL);
        ObjectNode top = NativeCaching.untranslated(body, carried);
        if (top != null) extra.set("body", top);
        if (!headers.isEmpty()) {
            ObjectNode h = extra.putObject("headers");
            new java.util.TreeMap<>(headers).forEach(h::put);
        }
        JsonNode system = body.get("system");
        if (system != null && system.isArray()) {
            for (int i = 0; i < system.size(); i++) NativeCaching.putUntranslated(extra, "system[" + i + "]", system.get(i), BLOCK_FIELDS);
        }
        JsonNode turns = body.path("messages");
        for (int i = 0; i < turns.size(); i++) {
            JsonNode content = turns.get(i).path("content");
            for (int j = 0; j < content.size(); j++) {
                String path = "messages[" + i + "].content[" + j + "]";
                JsonNode block = content.get(j);
                NativeCaching.putUntranslated(extra, path, block, "thinking".equals(block.path("type").asText()) || "redacted_thinking".equals(block.path("type").asText())
                        ? Set.of() : BLOCK_FIELDS);
                JsonNode inner = block.path("content");
                for (int k = 0; k < inner.size(); k++) NativeCaching.putUntranslated(extra, path + ".content[" + k + "]", inner.get(k), BLOCK_FIELDS);
            }
        }
        JsonNode tools = body.path("tools");
        for (int i = 0; i < tools.size(); i++) NativeCaching.putUntranslated(extra, "tools[" + i + "]", tools.get(i), TOOL_FIELDS);
        return extra;
    }


    private void untranslatable(String path, String what) {
        if (untranslatable == null) {
            untranslatable = RelayException.invalid(path, what + "; this model is not served by Anthropic, so Relay "
                    + "cannot send it. Remove it or use an Anthropic model.");
        }
    }

    // ---- system and messages ----

    private void system(ObjectNode body) {
        JsonNode system = Fields.optional(body, "system");
        if (system == null) return;
        String text;
        if (system.isTextual()) {
            text = system.asText();
        } else if (system.isArray()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < system.size(); i++) {
                String path = "system[" + i + "]";
                String type = Fields.typed(system.get(i), path);
                if (!type.equals("text")) throw RelayException.invalid(path + ".type", "'" + path + ".type' must be 'text'.");
                parts.add(Fields.requiredString(system.get(i), "text", path + ".text"));
            }
            text = String.join("\n", parts);
        } else {
            throw Fields.wrongType("system", "a string or an array of text blocks", system);
        }
        if (!text.isEmpty()) messages.addObject().put("role", "system").put("content", text);
    }

    private void conversation(ObjectNode body) {
        JsonNode turns = Fields.array(body, "messages", "messages");
        if (turns == null) throw RelayException.invalid("messages", "'messages' is required.");
        if (turns.isEmpty()) throw RelayException.invalid("messages", "'messages' must contain at least one message.");
        for (int i = 0; i < turns.size(); i++) {
            String path = "messages[" + i + "]";
            JsonNode turn = turns.get(i);
            if (!turn.isObject()) throw Fields.wrongType(path, "an object", turn);
            String role = Fields.requiredString(turn, "role", path + ".role");
            JsonNode content = Fields.required(turn, "content", path + ".content");
            if (!content.isTextual() && !content.isArray()) throw Fields.wrongType(path + ".content", "a string or an array of content blocks", content);
            switch (role) {
                case "user" -> user(content, path + ".content");
                case "assistant" -> assistant(content, path + ".content");
                default -> throw RelayException.invalid(path + ".role", "'" + path + ".role' must be 'user' or 'assistant', not '" + role + "'.");
            }
        }
    }

    /** A user turn: its tool results first, as chat's tool messages, then the rest as one user message. */
    private void user(JsonNode content, String path) {
        if (content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        List<ObjectNode> parts = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            String blockPath = path + "[" + j + "]";
            JsonNode block = content.get(j);
            String type = Fields.typed(block, blockPath);
            switch (type) {
                case "tool_result" -> toolResult(block, blockPath, parts);
                case "text", "image", "document" -> {
                    ObjectNode part = part(block, type, blockPath);
                    if (part != null) parts.add(part);
                }
                default -> untranslatable(blockPath + ".type", "'" + blockPath + "' is a '" + type + "' block");
            }
        }
        if (!parts.isEmpty() || messages.isEmpty() || !"tool".equals(last().path("role").asText())) {
            messages.addObject().put("role", "user").set("content", contentOf(parts));
        }
    }

    private ObjectNode last() {
        return (ObjectNode) messages.get(messages.size() - 1);
    }

    /** Text parts alone become one string (some OpenAI-compatible hosts take nothing else); otherwise the parts. */
    private static JsonNode contentOf(List<ObjectNode> parts) {
        if (parts.stream().allMatch(p -> "text".equals(p.path("type").asText()))) {
            List<String> texts = parts.stream().map(p -> p.path("text").asText()).toList();
            return Json.MAPPER.getNodeFactory().textNode(String.join("\n", texts));
        }
        ArrayNode array = Json.MAPPER.createArrayNode();
        parts.forEach(array::add);
        return array;
    }

    /** A text, image or document block as a chat content part; null for an empty text. */
    private ObjectNode part(JsonNode block, String type, String path) {
        return switch (type) {
            case "text" -> {
                String text = Fields.requiredString(block, "text", path + ".text");
                yield text.isEmpty() ? null : Json.object().put("type", "text").put("text", text);
            }
            case "image" -> {
                String url = source(block, path, "image");
                yield url == null ? null : image(url);
            }
            case "document" -> document(block, path);
            default -> throw new IllegalStateException(type);
        };
    }

    private static ObjectNode image(String url) {
        ObjectNode part = Json.object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    /** A base64 source as a data: URL, a url source as it is; other sources (Anthropic's file ids) are untranslatable. */
    private String source(JsonNode block, String path, String kind) {
        JsonNode source = Fields.required(block, "source", path + ".source");
        String type = Fields.typed(source, path + ".source");
        return switch (type) {
            case "base64" -> "data:" + Fields.requiredString(source, "media_type", path + ".source.media_type") + ";base64,"
                    + Fields.requiredString(source, "data", path + ".source.data");
            case "url" -> Fields.requiredString(source, "url", path + ".source.url");
            default -> {
                untranslatable(path + ".source.type", "'" + path + "' is " + kind + " with a '" + type + "' source");
                yield null;
            }
        };
    }

    /** A PDF as chat's file part; a plain-text document as text. */
    private ObjectNode document(JsonNode block, String path) {
        JsonNode source = Fields.required(block, "source", path + ".source");
        if ("text".equals(Fields.typed(source, path + ".source"))) {
            return Json.object().put("type", "text").put("text", Fields.requiredString(source, "data", path + ".source.data"));
        }
        String url = source(block, path, "a document");
        if (url == null) return null;
        if (!url.startsWith("data:")) {
            untranslatable(path + ".source", "'" + path + "' is a document by URL");
            return null;
        }
        ObjectNode part = Json.object().put("type", "file");
        ObjectNode file = part.putObject("file").put("file_data", url);
        String title = Fields.string(block, "title", path + ".title");
        file.put("filename", title == null ? "document.pdf" : title);
        return part;
    }

    /** Chat's tool message; images in the result follow in the user message, since tool messages hold text. */
    private void toolResult(JsonNode block, String path, List<ObjectNode> parts) {
        String id = Fields.requiredString(block, "tool_use_id", path + ".tool_use_id");
        JsonNode content = Fields.optional(block, "content");
        StringBuilder text = new StringBuilder();
        if (content == null) {
            // a result without content: the tool ran and said nothing
        } else if (content.isTextual()) {
            text.append(content.asText());
        } else if (content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                String itemPath = path + ".content[" + k + "]";
                String type = Fields.typed(content.get(k), itemPath);
                switch (type) {
                    case "text" -> {
                        if (!text.isEmpty()) text.append('\n');
                        text.append(Fields.requiredString(content.get(k), "text", itemPath + ".text"));
                    }
                    case "image", "document" -> {
                        ObjectNode part = part(content.get(k), type, itemPath);
                        if (part != null) parts.add(part);
                    }
                    default -> untranslatable(itemPath + ".type", "'" + itemPath + "' is a '" + type + "' block");
                }
            }
        } else {
            throw Fields.wrongType(path + ".content", "a string or an array of content blocks", content);
        }
        if (Boolean.TRUE.equals(Fields.bool(block, "is_error", path + ".is_error")) && text.isEmpty()) text.append("Error");
        messages.addObject().put("role", "tool").put("tool_call_id", id).put("content", text.toString());
    }

    /** An assistant turn: its text as content, its tool_use blocks as tool calls; thinking stays with Anthropic. */
    private void assistant(JsonNode content, String path) {
        ObjectNode message = Json.object().put("role", "assistant");
        if (content.isTextual()) {
            message.put("content", content.asText());
            messages.add(message);
            return;
        }
        List<String> texts = new ArrayList<>();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            String blockPath = path + "[" + j + "]";
            JsonNode block = content.get(j);
            String type = Fields.typed(block, blockPath);
            switch (type) {
                case "text" -> texts.add(Fields.requiredString(block, "text", blockPath + ".text"));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject();
                    call.put("id", Fields.requiredString(block, "id", blockPath + ".id")).put("type", "function");
                    JsonNode input = Fields.object(block, "input", blockPath + ".input");
                    call.putObject("function").put("name", Fields.requiredString(block, "name", blockPath + ".name"))
                            .put("arguments", Json.write(input == null ? Json.object() : input));
                }
                case "thinking", "redacted_thinking" -> { } // signed for Anthropic; other models cannot read it back
                default -> untranslatable(blockPath + ".type", "'" + blockPath + "' is a '" + type + "' block");
            }
        }
        String text = String.join("", texts);
        if (!text.isEmpty() || calls.isEmpty()) message.put("content", text);
        else message.putNull("content");
        if (!calls.isEmpty()) message.set("tool_calls", calls);
        messages.add(message);
    }

    // ---- parameters ----

    private void stopSequences(ObjectNode body) {
        JsonNode stop = Fields.array(body, "stop_sequences", "stop_sequences");
        if (stop == null || stop.isEmpty()) return;
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isTextual()) throw Fields.wrongType("stop_sequences[" + i + "]", "a string", stop.get(i));
            out.add(stop.get(i).asText());
        }
        if (out.size() > 4) {
            untranslatable("stop_sequences", "'stop_sequences' has " + out.size() + " entries and chat models take at most 4");
            return;
        }
        chat.set("stop", out);
    }

    private void tools(ObjectNode body) {
        JsonNode tools = Fields.array(body, "tools", "tools");
        if (tools == null || tools.isEmpty()) return;
        ArrayNode out = chat.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!tool.isObject()) throw Fields.wrongType(path, "an object", tool);
            String name = Fields.requiredString(tool, "name", path + ".name");
            String type = Fields.string(tool, "type", path + ".type");
            if (type != null && !type.equals("custom")) {
                untranslatable(path + ".type", "'" + path + "' is Anthropic's server tool '" + type + "', which runs only at Anthropic");
                continue;
            }
            JsonNode schema = Fields.required(tool, "input_schema", path + ".input_schema");
            if (!schema.isObject()) throw Fields.wrongType(path + ".input_schema", "an object", schema);
            ObjectNode function = out.addObject().put("type", "function").putObject("function").put("name", name);
            String description = Fields.string(tool, "description", path + ".description");
            if (description != null) function.put("description", description);
            function.set("parameters", schema);
        }
        if (out.isEmpty()) chat.remove("tools");
    }

    private void toolChoice(ObjectNode body) {
        JsonNode choice = Fields.object(body, "tool_choice", "tool_choice");
        if (choice == null) return;
        String type = Fields.requiredString(choice, "type", "tool_choice.type");
        switch (type) {
            case "auto" -> chat.put("tool_choice", "auto");
            case "any" -> chat.put("tool_choice", "required");
            case "none" -> chat.put("tool_choice", "none");
            case "tool" -> chat.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", Fields.requiredString(choice, "name", "tool_choice.name"));
            default -> throw RelayException.invalid("tool_choice.type", "'tool_choice.type' must be auto, any, tool or none, not '" + type + "'.");
        }
        if (Boolean.TRUE.equals(Fields.bool(choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use"))) {
            chat.put("parallel_tool_calls", false);
        }
    }

    /** {@code thinking} as chat's {@code reasoning_effort}, by its budget. */
    private void thinking(ObjectNode body) {
        JsonNode thinking = Fields.object(body, "thinking", "thinking");
        if (thinking == null) return;
        String type = Fields.requiredString(thinking, "type", "thinking.type");
        switch (type) {
            case "enabled" -> {
                Integer budget = Fields.integer(thinking, "budget_tokens", "thinking.budget_tokens", 1);
                if (budget == null) throw RelayException.invalid("thinking.budget_tokens", "'thinking.budget_tokens' is required when thinking is enabled.");
                chat.put("reasoning_effort", ReasoningEffort.forBudget(budget).wire());
            }
            case "adaptive" -> chat.put("reasoning_effort", ReasoningEffort.MEDIUM.wire());
            case "disabled" -> { }
            default -> throw RelayException.invalid("thinking.type", "'thinking.type' must be enabled, adaptive or disabled, not '" + type + "'.");
        }
    }
}
