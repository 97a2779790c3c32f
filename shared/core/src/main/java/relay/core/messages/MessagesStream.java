package relay.core.messages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import relay.core.Json;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * OpenAI chat chunks -> Anthropic's stream events, for one stream, each event handed on as soon as the
 * chunk that makes it arrives: {@code message_start} and a {@code ping} with the first chunk, then per
 * content block {@code content_block_start}, its deltas ({@code thinking_delta}, {@code text_delta},
 * {@code input_json_delta}) and {@code content_block_stop}; {@link #finish()} sends
 * {@code message_delta} (stop reason and usage) and {@code message_stop}.
 */
final class MessagesStream {
    /** Where events go: the event's type and its data. */
    @FunctionalInterface
    interface Events {
        void event(String type, ObjectNode data);
    }

    private enum Kind { THINKING, TEXT, TOOL }

    private record Block(Kind kind, int index) {}

    private final Events out;
    private final String model;
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private boolean started;
    private boolean finished;
    private int blocks;
    private Block open;
    private String stopReason;
    private Usage usage;

    /** @param model the model name to report until a chunk names one */
    MessagesStream(Events out, String model) {
        this.out = out;
        this.model = model;
    }

    boolean started() {
        return started;
    }

    void accept(ChatCompletionChunk chunk) {
        start(chunk.id(), chunk.model());
        if (chunk.usage() != null) usage = chunk.usage();
        if (chunk.choices() == null) return;
        for (ChatCompletionChunk.ChunkChoice choice : chunk.choices()) {
            if (choice.index() != 0) continue; // Anthropic has one answer per message
            ChatMessage delta = choice.delta();
            if (delta != null) {
                if (delta.reasoningContent() != null && !delta.reasoningContent().isEmpty()) thinking(delta.reasoningContent());
                String text = delta.text();
                if (!text.isEmpty()) text(text);
                if (delta.refusal() != null && !delta.refusal().isEmpty()) text(delta.refusal());
                if (delta.toolCalls() != null) delta.toolCalls().forEach(this::toolCall);
            }
            if (choice.finishReason() != null) {
                close();
                stopReason = ChatToMessages.stopReason(choice.finishReason());
            }
        }
    }

    /** Ends the message: closes the open block, then {@code message_delta} and {@code message_stop}. */
    void finish() {
        if (finished) return;
        start(null, null);
        close();
        finished = true;
        ObjectNode delta = Json.object();
        delta.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
        delta.set("usage", ChatToMessages.usage(usage));
        out.event("message_delta", delta.put("type", "message_delta"));
        out.event("message_stop", Json.object().put("type", "message_stop"));
    }

    private void start(String chatId, String chunkModel) {
        if (started) return;
        started = true;
        ObjectNode start = Json.object().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", ChatToMessages.messageId(chatId)).put("type", "message").put("role", "assistant")
                .put("model", chunkModel == null ? model : chunkModel);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        out.event("message_start", start);
        out.event("ping", Json.object().put("type", "ping"));
    }

    private void thinking(String text) {
        if (open == null || open.kind() != Kind.THINKING) {
            ObjectNode block = Json.object().put("type", "thinking").put("thinking", "").put("signature", "");
            open(Kind.THINKING, block);
        }
        ObjectNode delta = Json.object().put("type", "thinking_delta").put("thinking", text);
        delta(open.index(), delta);
    }

    private void text(String text) {
        if (open == null || open.kind() != Kind.TEXT) open(Kind.TEXT, Json.object().put("type", "text").put("text", ""));
        delta(open.index(), Json.object().put("type", "text_delta").put("text", text));
    }

    /** A tool call's first delta opens its block; later ones add to its input (even after another began). */
    private void toolCall(ToolCall call) {
        int toolIndex = call.index() == null ? 0 : call.index();
        Integer blockIndex = toolBlocks.get(toolIndex);
        if (blockIndex == null) {
            String name = call.function() == null ? null : call.function().name();
            ObjectNode block = Json.object().put("type", "tool_use")
                    .put("id", call.id() == null ? "toolu_" + blocks : call.id()).put("name", name == null ? "" : name);
            block.putObject("input");
            blockIndex = open(Kind.TOOL, block);
            toolBlocks.put(toolIndex, blockIndex);
        }
        String arguments = call.function() == null ? null : call.function().arguments();
        if (arguments != null && !arguments.isEmpty()) {
            delta(blockIndex, Json.object().put("type", "input_json_delta").put("partial_json", arguments));
        }
    }

    private int open(Kind kind, ObjectNode contentBlock) {
        close();
        open = new Block(kind, blocks++);
        ObjectNode start = Json.object().put("type", "content_block_start").put("index", open.index());
        start.set("content_block", contentBlock);
        out.event("content_block_start", start);
        return open.index();
    }

    private void delta(int index, ObjectNode delta) {
        ObjectNode event = Json.object().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        out.event("content_block_delta", event);
    }

    private void close() {
        if (open == null) return;
        out.event("content_block_stop", Json.object().put("type", "content_block_stop").put("index", open.index()));
        open = null;
    }
}
