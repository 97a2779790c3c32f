package relay.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.providers.http.ProviderErrors;

/**
 * Anthropic stream events -> OpenAI chunks, for one stream: a role chunk at {@code message_start},
 * content and tool-call deltas as blocks arrive, the finish chunk at {@code message_delta}, and a
 * usage-only chunk at {@code message_stop}. Pure apart from the chunks it hands on.
 */
public final class AnthropicStream {
    private enum Kind { TEXT, TOOL, JSON, OTHER }

    /** What one Anthropic content block (by its index) is, and for a tool its OpenAI tool-call index. */
    private static final class Block {
        final Kind kind;
        final int toolIndex;
        boolean hasArguments;

        Block(Kind kind, int toolIndex) {
            this.kind = kind;
            this.toolIndex = toolIndex;
        }
    }

    private final long created;
    private final AnswerShape shape;
    private final Consumer<ChatCompletionChunk> out;
    private final String label;
    private final String apiKey;
    private final Map<Integer, Block> blocks = new HashMap<>();
    private String id;
    private String model;
    private final ObjectNode usage = Json.object();
    private int tools;
    private boolean jsonTool;
    private boolean finished;

    /** @param label names the provider in errors; {@code apiKey} is scrubbed from them */
    public AnthropicStream(long created, AnswerShape shape, Consumer<ChatCompletionChunk> out, String label, String apiKey) {
        this.created = created;
        this.shape = shape;
        this.out = out;
        this.label = label;
        this.apiKey = apiKey;
    }

    /**
     * Takes one event; returns false after {@code message_stop}, the end of a complete stream.
     *
     * @throws RelayException for an {@code error} event (Anthropic may send one after HTTP 200)
     */
    public boolean accept(JsonNode event) {
        switch (event.path("type").asText()) {
            case "message_start" -> start(event.path("message"));
            case "content_block_start" -> blockStart(event.path("index").asInt(), event.path("content_block"));
            case "content_block_delta" -> blockDelta(event.path("index").asInt(), event.path("delta"));
            case "content_block_stop" -> blockStop(event.path("index").asInt());
            case "message_delta" -> {
                mergeUsage(event.path("usage"));
                JsonNode explanation = event.path("delta").path("stop_details").path("explanation");
                if (explanation.isTextual()) { // a refusal's reason, as OpenAI streams a refusal
                    delta(new ChatMessage(null, null, null, null, null, null, explanation.asText()), null);
                }
                finish(event.path("delta").path("stop_reason").asText(null));
            }
            case "message_stop" -> {
                finish(null);
                emit(new ChatCompletionChunk(id(), ChatCompletionChunk.OBJECT, created, model, List.of(),
                        AnthropicResponses.usage(usage), null));
                return false;
            }
            case "error" -> throw error(event);
            default -> { } // ping, and event types added later
        }
        return true;
    }

    private void start(JsonNode message) {
        if (message.path("id").isTextual()) id = message.path("id").asText();
        if (message.path("model").isTextual()) model = message.path("model").asText();
        mergeUsage(message.path("usage"));
        delta(new ChatMessage("assistant", Json.MAPPER.getNodeFactory().textNode(""), null, null, null, null, null), null);
    }

    /** message_delta repeats the running totals; later counts replace earlier ones. */
    private void mergeUsage(JsonNode counts) {
        counts.properties().forEach(e -> {
            if (e.getValue().isNumber()) usage.set(e.getKey(), e.getValue());
        });
    }

    private void blockStart(int index, JsonNode block) {
        switch (block.path("type").asText()) {
            case "text" -> {
                blocks.put(index, new Block(Kind.TEXT, -1));
                if (!block.path("text").asText().isEmpty()) content(block.path("text").asText());
            }
            case "tool_use" -> {
                String name = block.path("name").asText();
                if (shape.jsonMode() && AnthropicRequests.JSON_TOOL.equals(name)) {
                    jsonTool = true;
                    blocks.put(index, new Block(Kind.JSON, -1));
                    return;
                }
                int toolIndex = tools++;
                blocks.put(index, new Block(Kind.TOOL, toolIndex));
                if (shape.legacyFunctions()) {
                    if (toolIndex == 0) functionCall(new FunctionCall(name, ""));
                } else {
                    toolCall(new ToolCall(toolIndex, block.path("id").asText(), "function", new FunctionCall(name, "")));
                }
            }
            default -> blocks.put(index, new Block(Kind.OTHER, -1)); // thinking and server tool blocks
        }
    }

    private void blockDelta(int index, JsonNode delta) {
        Block block = blocks.getOrDefault(index, new Block(Kind.OTHER, -1));
        switch (delta.path("type").asText()) {
            case "text_delta" -> {
                if (block.kind == Kind.TEXT && !delta.path("text").asText().isEmpty()) content(delta.path("text").asText());
            }
            case "input_json_delta" -> arguments(block, delta.path("partial_json").asText());
            case "thinking_delta" -> {
                if (!delta.path("thinking").asText().isEmpty()) {
                    delta(new ChatMessage(null, null, null, null, null, null, null, delta.path("thinking").asText()), null);
                }
            }
            default -> { } // signature_delta, citations_delta
        }
    }

    /** A tool whose input streamed as nothing (a call without arguments) still gets OpenAI's "{}". */
    private void blockStop(int index) {
        Block block = blocks.get(index);
        if (block != null && !block.hasArguments) arguments(block, "{}");
    }

    private void arguments(Block block, String fragment) {
        if (fragment.isEmpty()) return;
        switch (block.kind) {
            case JSON -> content(fragment); // JSON mode: the tool's input is the answer
            case TOOL -> {
                if (shape.legacyFunctions()) {
                    if (block.toolIndex == 0) functionCall(new FunctionCall(null, fragment));
                } else {
                    toolCall(new ToolCall(block.toolIndex, null, null, new FunctionCall(null, fragment)));
                }
            }
            default -> { return; }
        }
        block.hasArguments = true;
    }

    private void finish(String stopReason) {
        if (finished) return;
        finished = true;
        String reason = AnthropicResponses.finishReason(stopReason, jsonTool && tools == 0, shape.legacyFunctions());
        delta(new ChatMessage(null, null, null, null, null, null, null), reason);
    }

    private void content(String text) {
        delta(ChatMessage.of(null, text), null);
    }

    private void toolCall(ToolCall call) {
        delta(new ChatMessage(null, null, null, List.of(call), null, null, null), null);
    }

    private void functionCall(FunctionCall call) {
        delta(new ChatMessage(null, null, null, null, null, call, null), null);
    }

    private void delta(ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(0, delta, finishReason, null);
        emit(new ChatCompletionChunk(id(), ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null));
    }

    private void emit(ChatCompletionChunk chunk) {
        out.accept(chunk);
    }

    private String id() {
        if (id == null) id = Completions.newId();
        return id;
    }

    /** An in-stream error, with the HTTP status Anthropic gives the same error type, mapped like an HTTP error. */
    private RelayException error(JsonNode event) {
        int status = switch (event.path("error").path("type").asText()) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "overloaded_error" -> 529;
            default -> 500; // api_error and anything new
        };
        return ProviderErrors.from(label, status, event.toString().getBytes(StandardCharsets.UTF_8), null, apiKey);
    }
}
