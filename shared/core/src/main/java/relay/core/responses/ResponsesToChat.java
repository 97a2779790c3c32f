package relay.core.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import relay.core.gateway.NativeCaching;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.Fields;
import relay.core.wire.ReasoningEffort;
import relay.core.wire.RequestParser;

/**
 * OpenAI Responses request -> chat request body. Pure. Every rejection is a 400 in OpenAI's shape
 * naming the field ({@code input[2].call_id}); OpenAI's hosted tools, which only OpenAI runs, are refused.
 */
public final class ResponsesToChat {
    /** Tools OpenAI runs itself; Relay translates to chat, where there is nobody to run them. */
    private static final Set<String> HOSTED_TOOLS = Set.of("web_search", "web_search_preview", "web_search_preview_2025_03_11",
            "file_search", "code_interpreter", "computer_use_preview", "computer_use", "image_generation", "mcp", "local_shell",
            "shell", "apply_patch");

    private final ObjectNode chat = Json.object();
    private final ArrayNode messages = chat.putArray("messages");
    private final ArrayNode input = Json.MAPPER.createArrayNode();
    /** An assistant message still open for more tool calls (the function_call items that follow it). */
    private ObjectNode openAssistant;

    private ResponsesToChat() {}

    /**
     * @param chat           the chat request body; for an untranslatable request, one that only routes it (its
     *                       model, Relay's fields, and the input's text as the prompt, for the window and budget checks)
     * @param input          the conversation's items: the previous response's, then this request's
     * @param untranslatable why the request cannot reach a model through chat (a hosted tool, an item chat has no
     *                       counterpart for), or null: a deployment that speaks the Responses API still takes it
     */
    public record Translation(ObjectNode chat, ArrayNode input, RelayException untranslatable) {}

    /** The body fields the translation carries whole (with {@link relay.core.wire.RelayFields#ALL}); {@code reasoning} and {@code text} only in part. */
    private static final Set<String> TRANSLATED = Set.of("model", "instructions", "input", "max_output_tokens", "temperature", "top_p",
            "parallel_tool_calls", "stream", "stream_options", "background", "user", "safety_identifier", "metadata", "tools", "tool_choice",
            "store", "previous_response_id", "service_tier", "prompt_cache_key", "text", "reasoning");
    private static final Set<String> ITEM_FIELDS = Set.of("type", "id", "status", "role", "content", "call_id", "name", "arguments", "output");
    private static final Set<String> TOOL_FIELDS = Set.of("type", "name", "description", "parameters", "strict");

    /**
     * What of a Responses request its chat translation drops and an answer can depend on, for the response cache's
     * key: fields chat has no counterpart for ({@code include}, {@code truncation}, {@code prompt}, new ones),
     * {@code text} beyond its format, {@code reasoning} beyond an effort chat takes, reasoning items and what items
     * and tools carry beyond what is translated. Empty for a request the translation carries whole.
     *
     * @param previous the conversation of {@code previous_response_id}, or null
     */
    public static ObjectNode nativeOnly(ObjectNode body, ArrayNode previous) {
        ObjectNode extra = Json.object();
        Set<String> carried = new java.util.HashSet<>(TRANSLATED);
        carried.addAll(relay.core.wire.RelayFields.ALL);
        NativeCaching.putUntranslated(extra, "body", body, carried);
        NativeCaching.putUntranslated(extra, "text", body.get("text"), Set.of("format"));
        JsonNode reasoning = body.get("reasoning");
        NativeCaching.putUntranslated(extra, "reasoning", reasoning, "none".equals(reasoning == null ? null : reasoning.path("effort").asText(null)) ? Set.of() : Set.of("effort"));
        ArrayNode items = inputItems(body, previous);
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            NativeCaching.putUntranslated(extra, "items[" + i + "]", item, "reasoning".equals(item.path("type").asText()) ? Set.of() : ITEM_FIELDS);
        }
        JsonNode tools = body.path("tools");
        for (int i = 0; i < tools.size(); i++) NativeCaching.putUntranslated(extra, "tools[" + i + "]", tools.get(i), TOOL_FIELDS);
        return extra;
    }


    /**
     * A Responses API response object as a chat completion, for the response cache: the text of its messages as
     * content, its function calls as tool calls, its reasoning summary as reasoning content, its usage, and its
     * status as the finish reason. Null when it holds what chat's shape cannot give back (a hosted tool's call, an
     * unknown item) or did not finish.
     */
    public static relay.core.wire.ChatCompletionResponse chatForm(JsonNode response) {
        String status = response.path("status").asText();
        if (!response.path("output").isArray() || !(status.equals("completed") || status.equals("incomplete"))) return null;
        StringBuilder text = new StringBuilder();
        StringBuilder refusal = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<relay.core.wire.ToolCall> calls = new java.util.ArrayList<>();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asText()) {
                case "message" -> {
                    for (JsonNode part : item.path("content")) {
                        switch (part.path("type").asText()) {
                            case "output_text" -> text.append(part.path("text").asText());
                            case "refusal" -> refusal.append(part.path("refusal").asText());
                            default -> {
                                return null;
                            }
                        }
                    }
                }
                case "function_call" -> calls.add(new relay.core.wire.ToolCall(null, item.path("call_id").asText(), "function",
                        new relay.core.wire.FunctionCall(item.path("name").asText(), item.path("arguments").asText())));
                case "reasoning" -> {
                    for (JsonNode summary : item.path("summary")) {
                        if (!reasoning.isEmpty()) reasoning.append("\n\n");
                        reasoning.append(summary.path("text").asText());
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        String reason = response.path("incomplete_details").path("reason").asText();
        String finish = status.equals("incomplete") ? (reason.equals("content_filter") ? "content_filter" : "length")
                : calls.isEmpty() ? "stop" : "tool_calls";
        var message = new relay.core.wire.ChatMessage("assistant",
                text.isEmpty() && (!calls.isEmpty() || !refusal.isEmpty()) ? null : Json.MAPPER.getNodeFactory().textNode(text.toString()),
                null, calls.isEmpty() ? null : List.copyOf(calls), null, null, refusal.isEmpty() ? null : refusal.toString(),
                reasoning.isEmpty() ? null : reasoning.toString());
        return new relay.core.wire.ChatCompletionResponse(response.path("id").asText(null), relay.core.wire.ChatCompletionResponse.OBJECT,
                response.path("created_at").asLong(0), response.path("model").asText(null),
                List.of(new relay.core.wire.ChatCompletionResponse.Choice(0, message, finish, null)),
                ChatToResponses.usageOf(response.get("usage")), null);
    }

    /** @param previous the conversation of {@code previous_response_id}, or null */
    public static Translation translate(ObjectNode body, ArrayNode previous) {
        ResponsesToChat t = new ResponsesToChat();
        try {
            t.run(body, previous);
            return new Translation(t.chat, t.input, null);
        } catch (RelayException e) {
            if (e.kind() != relay.core.error.ErrorKind.INVALID_REQUEST) throw e;
            return new Translation(routingOnly(body, previous), inputItems(body, previous), e);
        }
    }

    /** The chat body of a request chat cannot carry: its model, stream and Relay's own fields, and its input as text. */
    private static ObjectNode routingOnly(ObjectNode body, ArrayNode previous) {
        ObjectNode chat = Json.object().put("model", RequestParser.model(body));
        chat.putArray("messages").addObject().put("role", "user").put("content", Json.write(inputItems(body, previous)));
        if (body.path("stream").asBoolean(false)) {
            chat.put("stream", true);
            chat.putObject("stream_options").put("include_usage", true);
        }
        if (body.path("user").isTextual()) chat.put("user", body.get("user").asText());
        if (body.path("metadata").isObject()) chat.set("metadata", body.get("metadata"));
        relay.core.wire.RelayFields.carry(body, chat);
        return chat;
    }

    /** The conversation's items as given: the previous ones, then this request's input (a string is one user message). */
    private static ArrayNode inputItems(ObjectNode body, ArrayNode previous) {
        ArrayNode items = previous == null ? Json.MAPPER.createArrayNode() : previous.deepCopy();
        JsonNode given = body.get("input");
        if (given != null && given.isTextual()) items.addObject().put("type", "message").put("role", "user").put("content", given.asText());
        else if (given != null && given.isArray()) given.forEach(items::add);
        return items;
    }

    private void run(ObjectNode body, ArrayNode previous) {
        chat.put("model", RequestParser.model(body));
        String instructions = Fields.string(body, "instructions", "instructions");
        if (instructions != null && !instructions.isEmpty()) messages.addObject().put("role", "system").put("content", instructions);
        if (previous != null) {
            for (int i = 0; i < previous.size(); i++) item(previous.get(i), "previous_response_id (item " + i + ")");
        }
        JsonNode given = Fields.required(body, "input", "input");
        if (given.isTextual()) {
            item(Json.object().put("type", "message").put("role", "user").put("content", given.asText()), "input");
        } else if (given.isArray()) {
            for (int i = 0; i < given.size(); i++) item(given.get(i), "input[" + i + "]");
        } else {
            throw Fields.wrongType("input", "a string or an array of input items", given);
        }
        if (messages.isEmpty()) throw RelayException.invalid("input", "'input' must hold at least one message.");
        Integer maxOutput = Fields.integer(body, "max_output_tokens", "max_output_tokens", 1);
        if (maxOutput != null) chat.put("max_completion_tokens", maxOutput);
        if (Fields.number(body, "temperature", "temperature", 0, 2) != null) chat.set("temperature", body.get("temperature"));
        if (Fields.number(body, "top_p", "top_p", 0, 1) != null) chat.set("top_p", body.get("top_p"));
        Boolean parallel = Fields.bool(body, "parallel_tool_calls", "parallel_tool_calls");
        if (Boolean.FALSE.equals(parallel)) chat.put("parallel_tool_calls", false);
        if (Boolean.TRUE.equals(Fields.bool(body, "stream", "stream"))) {
            chat.put("stream", true);
            chat.putObject("stream_options").put("include_usage", true);
        }
        if (Boolean.TRUE.equals(Fields.bool(body, "background", "background"))) {
            throw RelayException.invalid("background", "'background' responses are not supported by Relay; send the request without it.");
        }
        String user = Fields.string(body, "user", "user");
        if (user == null) user = Fields.string(body, "safety_identifier", "safety_identifier");
        if (user != null) chat.put("user", user);
        JsonNode metadata = Fields.object(body, "metadata", "metadata");
        if (metadata != null) chat.set("metadata", metadata); // Relay logs it; never sent on
        tools(body);
        toolChoice(body);
        textFormat(body);
        reasoning(body);
        relay.core.wire.RelayFields.carry(body, chat);
    }

    // ---- input items ----

    private void item(JsonNode item, String path) {
        if (!item.isObject()) throw Fields.wrongType(path, "an input item object", item);
        String type = Fields.string(item, "type", path + ".type");
        if (type == null && item.has("role")) type = "message";
        if (type == null) throw RelayException.invalid(path + ".type", "'" + path + ".type' is required.");
        switch (type) {
            case "message" -> message(item, path);
            case "function_call" -> functionCall(item, path);
            case "function_call_output" -> functionCallOutput(item, path);
            case "reasoning" -> { } // the model's earlier reasoning; chat models do not take it back
            default -> throw RelayException.invalid(path + ".type", "'" + path + ".type' is '" + type + "'; Relay takes message, "
                    + "function_call, function_call_output and reasoning items.");
        }
        input.add(item);
    }

    private void message(JsonNode item, String path) {
        String role = Fields.requiredString(item, "role", path + ".role");
        if (!Set.of("user", "assistant", "system", "developer").contains(role)) {
            throw RelayException.invalid(path + ".role", "'" + path + ".role' must be user, assistant, system or developer, not '" + role + "'.");
        }
        JsonNode content = Fields.required(item, "content", path + ".content");
        ObjectNode message = Json.object().put("role", role);
        if (content.isTextual()) {
            message.put("content", content.asText());
        } else if (content.isArray()) {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            for (int j = 0; j < content.size(); j++) parts.add(part(content.get(j), path + ".content[" + j + "]", role));
            boolean textOnly = true;
            for (JsonNode part : parts) textOnly &= "text".equals(part.path("type").asText());
            if (textOnly || role.equals("assistant")) {
                StringBuilder text = new StringBuilder();
                for (JsonNode part : parts) {
                    if (!"text".equals(part.path("type").asText())) {
                        throw RelayException.invalid(path + ".content", "'" + path + ".content' of an assistant message may hold only text.");
                    }
                    text.append(part.path("text").asText());
                }
                message.put("content", text.toString());
            } else {
                message.set("content", parts);
            }
        } else {
            throw Fields.wrongType(path + ".content", "a string or an array of content parts", content);
        }
        messages.add(message);
        openAssistant = role.equals("assistant") ? message : null;
    }

    /** A content part as chat's: text, an image, a file. */
    private static ObjectNode part(JsonNode part, String path, String role) {
        String type = Fields.typed(part, path);
        return switch (type) {
            case "input_text", "output_text" -> Json.object().put("type", "text").put("text", Fields.requiredString(part, "text", path + ".text"));
            case "refusal" -> Json.object().put("type", "text").put("text", Fields.requiredString(part, "refusal", path + ".refusal"));
            case "input_image" -> {
                String url = Fields.string(part, "image_url", path + ".image_url");
                if (url == null) {
                    throw RelayException.invalid(path + ".image_url", "'" + path + ".image_url' is required: Relay takes images by URL or data: URL, not by file_id.");
                }
                ObjectNode image = Json.object().put("type", "image_url");
                ObjectNode imageUrl = image.putObject("image_url").put("url", url);
                String detail = Fields.string(part, "detail", path + ".detail");
                if (detail != null) imageUrl.put("detail", detail);
                yield image;
            }
            case "input_file" -> {
                ObjectNode file = Json.object().put("type", "file");
                ObjectNode f = file.putObject("file");
                String data = Fields.string(part, "file_data", path + ".file_data");
                String fileId = Fields.string(part, "file_id", path + ".file_id");
                if (data == null && fileId == null) {
                    throw RelayException.invalid(path + ".file_data", "'" + path + "' needs file_data (or an OpenAI file_id).");
                }
                if (data != null) f.put("file_data", data);
                if (fileId != null) f.put("file_id", fileId);
                String name = Fields.string(part, "filename", path + ".filename");
                if (name != null) f.put("filename", name);
                yield file;
            }
            default -> throw RelayException.invalid(path + ".type", "'" + path + ".type' is '" + type + "'; Relay takes input_text, "
                    + "input_image, input_file" + (role.equals("assistant") ? ", output_text and refusal" : "") + " parts.");
        };
    }

    /** A call the model made: a tool call on the assistant message it belongs to (a new one when none is open). */
    private void functionCall(JsonNode item, String path) {
        String callId = Fields.requiredString(item, "call_id", path + ".call_id");
        String name = Fields.requiredString(item, "name", path + ".name");
        String arguments = Fields.requiredString(item, "arguments", path + ".arguments");
        if (openAssistant == null) {
            openAssistant = messages.addObject().put("role", "assistant");
            openAssistant.putNull("content");
        }
        ArrayNode calls = openAssistant.has("tool_calls") ? (ArrayNode) openAssistant.get("tool_calls") : openAssistant.putArray("tool_calls");
        calls.addObject().put("id", callId).put("type", "function").putObject("function").put("name", name).put("arguments", arguments);
        if (openAssistant.path("content").isTextual() && openAssistant.get("content").asText().isEmpty()) openAssistant.putNull("content");
    }

    private void functionCallOutput(JsonNode item, String path) {
        String callId = Fields.requiredString(item, "call_id", path + ".call_id");
        JsonNode output = Fields.required(item, "output", path + ".output");
        String text;
        if (output.isTextual()) {
            text = output.asText();
        } else if (output.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (int j = 0; j < output.size(); j++) {
                JsonNode part = part(output.get(j), path + ".output[" + j + "]", "tool");
                if (!"text".equals(part.path("type").asText())) {
                    throw RelayException.invalid(path + ".output[" + j + "]", "'" + path + ".output[" + j + "]' must be text for a chat model.");
                }
                joined.append(part.path("text").asText());
            }
            text = joined.toString();
        } else {
            throw Fields.wrongType(path + ".output", "a string or an array of content parts", output);
        }
        messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", text);
        openAssistant = null;
    }

    // ---- parameters ----

    private void tools(ObjectNode body) {
        JsonNode tools = Fields.array(body, "tools", "tools");
        if (tools == null || tools.isEmpty()) return;
        ArrayNode out = chat.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            String path = "tools[" + i + "]";
            String type = Fields.typed(tools.get(i), path);
            if (HOSTED_TOOLS.contains(type)) {
                throw RelayException.invalid(path + ".type", "'" + path + "' is OpenAI's hosted tool '" + type + "', which only OpenAI runs; "
                        + "Relay serves the Responses API through chat, so it takes function tools only. Remove the tool or define it as a function.");
            }
            if (!type.equals("function")) {
                throw RelayException.invalid(path + ".type", "'" + path + ".type' is '" + type + "'; Relay takes function tools only.");
            }
            JsonNode tool = tools.get(i);
            ObjectNode function = out.addObject().put("type", "function").putObject("function")
                    .put("name", Fields.requiredString(tool, "name", path + ".name"));
            String description = Fields.string(tool, "description", path + ".description");
            if (description != null) function.put("description", description);
            JsonNode parameters = Fields.object(tool, "parameters", path + ".parameters");
            if (parameters != null) function.set("parameters", parameters);
            Boolean strict = Fields.bool(tool, "strict", path + ".strict");
            if (strict != null) function.put("strict", strict);
        }
    }

    private void toolChoice(ObjectNode body) {
        JsonNode choice = Fields.optional(body, "tool_choice");
        if (choice == null) return;
        if (choice.isTextual()) {
            if (!Set.of("auto", "none", "required").contains(choice.asText())) {
                throw RelayException.invalid("tool_choice", "'tool_choice' must be auto, none, required or a function, not '" + choice.asText() + "'.");
            }
            chat.put("tool_choice", choice.asText());
            return;
        }
        String type = Fields.typed(choice, "tool_choice");
        if (!type.equals("function")) {
            throw RelayException.invalid("tool_choice.type", "'tool_choice.type' is '" + type + "'; Relay takes auto, none, required or a function.");
        }
        chat.putObject("tool_choice").put("type", "function").putObject("function")
                .put("name", Fields.requiredString(choice, "name", "tool_choice.name"));
    }

    /** {@code text.format} as chat's {@code response_format}. */
    private void textFormat(ObjectNode body) {
        JsonNode text = Fields.object(body, "text", "text");
        if (text == null) return;
        JsonNode format = Fields.object(text, "format", "text.format");
        if (format == null) return;
        String type = Fields.requiredString(format, "type", "text.format.type");
        switch (type) {
            case "text" -> { }
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                schema.put("name", Fields.requiredString(format, "name", "text.format.name"));
                JsonNode given = Fields.required(format, "schema", "text.format.schema");
                if (!given.isObject()) throw Fields.wrongType("text.format.schema", "an object", given);
                schema.set("schema", given);
                String description = Fields.string(format, "description", "text.format.description");
                if (description != null) schema.put("description", description);
                Boolean strict = Fields.bool(format, "strict", "text.format.strict");
                if (strict != null) schema.put("strict", strict);
            }
            default -> throw RelayException.invalid("text.format.type", "'text.format.type' must be text, json_object or json_schema, not '" + type + "'.");
        }
    }

    private void reasoning(ObjectNode body) {
        JsonNode reasoning = Fields.object(body, "reasoning", "reasoning");
        if (reasoning == null) return;
        String effort = Fields.string(reasoning, "effort", "reasoning.effort");
        if (effort != null && !effort.equals("none")) chat.put("reasoning_effort", ReasoningEffort.parse(effort, "reasoning.effort").wire());
    }
}
