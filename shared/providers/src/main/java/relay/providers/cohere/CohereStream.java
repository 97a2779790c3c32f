package relay.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.function.Consumer;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * Turns Cohere's v2 stream events into OpenAI chunks, one event at a time: a role chunk first,
 * text and tool-plan deltas as content, each tool call as OpenAI streams it (index, id, type and
 * name, then argument fragments), and at {@code message-end} the finish chunk and a usage chunk.
 */
public final class CohereStream {
    private final String model;
    private final long created;
    private final boolean legacyFunctions;
    private final Consumer<ChatCompletionChunk> out;
    private String id = Completions.newId();
    private boolean started;
    private int toolIndex = -1;
    private boolean argumentsSent;

    public CohereStream(String model, long created, boolean legacyFunctions, Consumer<ChatCompletionChunk> out) {
        this.model = model;
        this.created = created;
        this.legacyFunctions = legacyFunctions;
        this.out = out;
    }

    /** Handles one event; returns false once the stream is complete ({@code message-end}). */
    public boolean accept(JsonNode event) {
        switch (event.path("type").asText()) {
            case "message-start" -> {
                if (event.path("id").isTextual()) id = event.path("id").asText();
                start();
            }
            case "content-delta" -> text(event.path("delta").path("message").path("content").path("text").asText(""));
            case "tool-plan-delta" -> text(event.path("delta").path("message").path("tool_plan").asText(""));
            case "tool-call-start" -> {
                JsonNode call = event.path("delta").path("message").path("tool_calls");
                String arguments = call.path("function").path("arguments").asText("");
                toolIndex++;
                argumentsSent = !arguments.isEmpty();
                toolDelta(call.path("id").asText(), call.path("function").path("name").asText(), arguments);
            }
            case "tool-call-delta" -> {
                String fragment = event.path("delta").path("message").path("tool_calls").path("function").path("arguments").asText("");
                if (!fragment.isEmpty()) {
                    argumentsSent = true;
                    toolDelta(null, null, fragment);
                }
            }
            case "tool-call-end" -> {
                if (!argumentsSent) toolDelta(null, null, "{}"); // a call without arguments still needs valid JSON
            }
            case "message-end" -> {
                JsonNode delta = event.path("delta");
                String finishReason = CohereResponses.finishReason(delta.path("finish_reason").asText(null));
                if (legacyFunctions && finishReason.equals("tool_calls")) finishReason = "function_call";
                emit(new ChatMessage(null, null, null, null, null, null, null), finishReason);
                Usage usage = CohereResponses.usage(delta.path("usage"));
                if (usage != null) out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, null));
                return false;
            }
            default -> { } // content-start/-end, citations, debug events carry nothing OpenAI streams
        }
        return true;
    }

    private void start() {
        if (started) return;
        started = true;
        emit(new ChatMessage("assistant", TextNode.valueOf(""), null, null, null, null, null), null);
    }

    private void text(String text) {
        if (text.isEmpty()) return;
        emit(ChatMessage.of(null, text), null);
    }

    private void toolDelta(String callId, String name, String arguments) {
        if (legacyFunctions) {
            if (toolIndex > 0) return; // the legacy API has one function call per answer
            emit(new ChatMessage(null, null, null, null, null, new FunctionCall(name, arguments), null), null);
            return;
        }
        ToolCall call = new ToolCall(toolIndex, callId, callId == null ? null : "function", new FunctionCall(name, arguments));
        emit(new ChatMessage(null, null, null, List.of(call), null, null, null), null);
    }

    private void emit(ChatMessage delta, String finishReason) {
        if (!started && delta.role() == null) start();
        var choice = new ChatCompletionChunk.ChunkChoice(0, delta, finishReason, null);
        out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null));
    }
}
