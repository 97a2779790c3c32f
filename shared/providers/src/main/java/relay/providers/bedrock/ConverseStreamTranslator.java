package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;
import relay.providers.bedrock.ConverseRequests.Shape;

/**
 * Turns ConverseStream events into the chunks OpenAI streams: a role chunk first, content deltas,
 * tool-call deltas (index, id, type and name once, then argument fragments), a finish chunk at
 * {@code messageStop}, and at the end a usage-only chunk when Bedrock sent {@code metadata}. Pure and
 * stateful: one instance per stream, fed events in order.
 */
public final class ConverseStreamTranslator {
    private final String id;
    private final long created;
    private final String model;
    private final Shape shape;
    private final Consumer<ChatCompletionChunk> out;

    /** What each content block became: a tool call (its OpenAI index) or JSON-mode text. */
    private static final class Block {
        final int toolIndex;
        final boolean jsonText;
        boolean sawInput;

        Block(int toolIndex, boolean jsonText) {
            this.toolIndex = toolIndex;
            this.jsonText = jsonText;
        }
    }

    private final Map<Integer, Block> blocks = new HashMap<>();
    private int nextToolIndex;
    private boolean started;
    private boolean jsonAnswer;
    private boolean stopped;
    private Usage usage;

    public ConverseStreamTranslator(String id, long created, String model, Shape shape, Consumer<ChatCompletionChunk> out) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.shape = shape;
        this.out = out;
    }

    /** One event: its {@code :event-type} and its JSON payload. Unknown events are ignored, as AWS adds new ones. */
    public void onEvent(String type, JsonNode event) {
        if (type == null) return;
        switch (type) {
            case "messageStart" -> start();
            case "contentBlockStart" -> blockStart(event.path("contentBlockIndex").asInt(), event.path("start").path("toolUse"));
            case "contentBlockDelta" -> blockDelta(event.path("contentBlockIndex").asInt(), event.path("delta"));
            case "contentBlockStop" -> blockStop(event.path("contentBlockIndex").asInt());
            case "messageStop" -> messageStop(event.path("stopReason").asText(null));
            case "metadata" -> usage = ConverseResponses.usage(event.path("usage"));
            default -> { }
        }
    }

    /** Whether Bedrock's end event ({@code messageStop}) arrived. */
    public boolean complete() {
        return stopped;
    }

    /** After the last event: the usage-only chunk, when Bedrock reported usage. */
    public void finish() {
        if (usage != null) out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, null));
    }

    private void start() {
        if (started) return;
        started = true;
        emit(new ChatMessage("assistant", TextNode.valueOf(""), null, null, null, null, null), null);
    }

    private void blockStart(int index, JsonNode toolUse) {
        start();
        if (!toolUse.isObject()) return; // a text block announces nothing
        String name = toolUse.path("name").asText();
        if (shape.jsonMode() && name.equals(ConverseRequests.JSON_TOOL)) {
            blocks.put(index, new Block(-1, true));
            jsonAnswer = true;
            return;
        }
        int toolIndex = nextToolIndex++;
        blocks.put(index, new Block(toolIndex, false));
        if (shape.legacyFunctions()) {
            if (toolIndex == 0) emitDelta(null, null, new FunctionCall(name, ""));
            return;
        }
        emitDelta(null, new ToolCall(toolIndex, toolUse.path("toolUseId").asText(), "function", new FunctionCall(name, "")), null);
    }

    private void blockDelta(int index, JsonNode delta) {
        start();
        if (delta.path("text").isTextual()) {
            String text = delta.path("text").asText();
            if (!text.isEmpty()) emitDelta(text, null, null);
            return;
        }
        JsonNode reasoning = delta.path("reasoningContent").path("text");
        if (reasoning.isTextual()) { // the model's reasoning: reasoning_content
            if (!reasoning.asText().isEmpty()) emit(new ChatMessage(null, null, null, null, null, null, null, reasoning.asText()), null);
            return;
        }
        JsonNode input = delta.path("toolUse").path("input");
        Block block = blocks.get(index);
        if (!input.isTextual() || block == null || input.asText().isEmpty()) return; // signatures and other deltas are dropped
        block.sawInput = true;
        arguments(block, input.asText());
    }

    /** A tool whose input never streamed (no arguments) still gets valid JSON arguments. */
    private void blockStop(int index) {
        Block block = blocks.get(index);
        if (block != null && !block.sawInput) arguments(block, "{}");
    }

    private void arguments(Block block, String fragment) {
        if (block.jsonText) {
            emitDelta(fragment, null, null);
        } else if (shape.legacyFunctions()) {
            if (block.toolIndex == 0) emitDelta(null, null, new FunctionCall(null, fragment));
        } else {
            emitDelta(null, new ToolCall(block.toolIndex, null, null, new FunctionCall(null, fragment)), null);
        }
    }

    private void messageStop(String stopReason) {
        start();
        String finish = ConverseResponses.finishReason(stopReason, jsonAnswer && nextToolIndex == 0);
        if (shape.legacyFunctions() && finish.equals("tool_calls")) finish = "function_call";
        emit(new ChatMessage(null, null, null, null, null, null, null), finish);
        stopped = true;
    }

    private void emitDelta(String text, ToolCall toolCall, FunctionCall functionCall) {
        emit(new ChatMessage(null, text == null ? null : TextNode.valueOf(text), null,
                toolCall == null ? null : List.of(toolCall), null, functionCall, null), null);
    }

    private void emit(ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(0, delta, finishReason, null);
        out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null));
    }
}
