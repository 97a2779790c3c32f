package relay.core.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import relay.core.Json;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * OpenAI chat chunks -> the Responses API's stream events, for one stream, each handed on as soon as
 * the chunk that makes it arrives: {@code response.created} and {@code response.in_progress} with the
 * first chunk; per output item {@code response.output_item.added}, its content part, its deltas
 * ({@code response.output_text.delta}, {@code response.reasoning_text.delta},
 * {@code response.function_call_arguments.delta}) and their {@code .done} events. {@link #finish()}
 * builds the final response; {@link #complete} sends {@code response.completed} (or {@code response.incomplete}).
 */
final class ResponsesStream {
    @FunctionalInterface
    interface Events {
        void event(String type, ObjectNode data);
    }

    private enum Kind { REASONING, TEXT, FUNCTION_CALL }

    /** The output item being streamed. */
    private static final class Item {
        final Kind kind;
        final int outputIndex;
        final String id;
        final StringBuilder text = new StringBuilder();
        String callId;
        String name;
        boolean done;

        Item(Kind kind, int outputIndex, String id) {
            this.kind = kind;
            this.outputIndex = outputIndex;
            this.id = id;
        }
    }

    private final Events out;
    private final String id;
    private final long createdAt;
    private final String model;
    private final ObjectNode request;
    private final ArrayNode output = Json.MAPPER.createArrayNode();
    private final Map<Integer, Item> calls = new HashMap<>();
    private int sequence;
    private boolean started;
    private Item open;
    private String finishReason;
    private Usage usage;
    private String answeredModel;

    /** @param request the Responses request body, echoed in the response */
    ResponsesStream(Events out, String id, long createdAt, String model, ObjectNode request) {
        this.out = out;
        this.id = id;
        this.createdAt = createdAt;
        this.model = model;
        this.request = request;
    }

    void accept(ChatCompletionChunk chunk) {
        if (answeredModel == null && chunk.model() != null) answeredModel = chunk.model();
        start();
        if (chunk.usage() != null) usage = chunk.usage();
        if (chunk.choices() == null) return;
        for (ChatCompletionChunk.ChunkChoice choice : chunk.choices()) {
            if (choice.index() != 0) continue; // a response has one answer
            ChatMessage delta = choice.delta();
            if (delta != null) {
                if (delta.reasoningContent() != null && !delta.reasoningContent().isEmpty()) reasoning(delta.reasoningContent());
                if (!delta.text().isEmpty()) text(delta.text());
                if (delta.refusal() != null && !delta.refusal().isEmpty()) text(delta.refusal());
                if (delta.toolCalls() != null) delta.toolCalls().forEach(this::toolCall);
            }
            if (choice.finishReason() != null) {
                close();
                finishReason = choice.finishReason();
            }
        }
    }

    /** Closes the open item and returns the final response (to store before {@link #complete} sends it). */
    ObjectNode finish() {
        start();
        close();
        ObjectNode response = ChatToResponses.shell(id, createdAt, answeredModel == null ? model : answeredModel, request, "completed");
        response.set("output", output);
        ChatToResponses.complete(response, finishReason, usage);
        return response;
    }

    /** The last event: the final response. */
    void complete(ObjectNode response) {
        boolean incomplete = "incomplete".equals(response.path("status").asText());
        emit(incomplete ? "response.incomplete" : "response.completed", Json.object().set("response", response));
    }

    private void start() {
        if (started) return;
        started = true;
        ObjectNode shell = ChatToResponses.shell(id, createdAt, model, request, "in_progress");
        emit("response.created", Json.object().set("response", shell));
        emit("response.in_progress", Json.object().set("response", shell));
    }

    private void reasoning(String text) {
        if (open == null || open.kind != Kind.REASONING) {
            Item item = open(Kind.REASONING, "rs_");
            ObjectNode added = Json.object().put("type", "reasoning").put("id", item.id);
            added.putArray("summary");
            itemAdded(item, added);
            contentPart("response.content_part.added", item, Json.object().put("type", "reasoning_text").put("text", ""));
        }
        open.text.append(text);
        emit("response.reasoning_text.delta", itemEvent(open).put("content_index", 0).put("delta", text));
    }

    private void text(String text) {
        if (open == null || open.kind != Kind.TEXT) {
            Item item = open(Kind.TEXT, "msg_");
            ObjectNode added = Json.object().put("type", "message").put("id", item.id).put("status", "in_progress").put("role", "assistant");
            added.putArray("content");
            itemAdded(item, added);
            contentPart("response.content_part.added", item, ChatToResponses.outputText(""));
        }
        open.text.append(text);
        ObjectNode delta = itemEvent(open).put("content_index", 0).put("delta", text);
        delta.putArray("logprobs");
        emit("response.output_text.delta", delta);
    }

    private void toolCall(ToolCall call) {
        int index = call.index() == null ? 0 : call.index();
        Item item = calls.get(index);
        if (item == null) {
            item = open(Kind.FUNCTION_CALL, "fc_");
            item.callId = call.id() == null ? ChatToResponses.newId("call_") : call.id();
            item.name = call.function() == null || call.function().name() == null ? "" : call.function().name();
            calls.put(index, item);
            itemAdded(item, ChatToResponses.functionCall(item.id, item.callId, item.name, "", "in_progress"));
        }
        String arguments = call.function() == null ? null : call.function().arguments();
        if (arguments != null && !arguments.isEmpty()) {
            item.text.append(arguments);
            emit("response.function_call_arguments.delta", itemEvent(item).put("delta", arguments));
        }
    }

    private Item open(Kind kind, String idPrefix) {
        close();
        open = new Item(kind, output.size(), ChatToResponses.newId(idPrefix));
        output.addNull(); // its place; the finished item goes here
        return open;
    }

    private void itemAdded(Item item, ObjectNode added) {
        emit("response.output_item.added", Json.object().put("output_index", item.outputIndex).set("item", added));
    }

    private void contentPart(String type, Item item, ObjectNode part) {
        ObjectNode event = itemEvent(item).put("content_index", 0);
        event.set("part", part);
        emit(type, event);
    }

    private void close() {
        if (open == null) return;
        Item item = open;
        open = null;
        if (item.done) return;
        item.done = true;
        String text = item.text.toString();
        ObjectNode finished = switch (item.kind) {
            case REASONING -> {
                emit("response.reasoning_text.done", itemEvent(item).put("content_index", 0).put("text", text));
                contentPart("response.content_part.done", item, Json.object().put("type", "reasoning_text").put("text", text));
                yield ChatToResponses.reasoning(item.id, text);
            }
            case TEXT -> {
                ObjectNode done = itemEvent(item).put("content_index", 0).put("text", text);
                done.putArray("logprobs");
                emit("response.output_text.done", done);
                contentPart("response.content_part.done", item, ChatToResponses.outputText(text));
                yield ChatToResponses.message(item.id, text, "completed");
            }
            case FUNCTION_CALL -> {
                emit("response.function_call_arguments.done", itemEvent(item).put("name", item.name).put("arguments", text));
                yield ChatToResponses.functionCall(item.id, item.callId, item.name, text, "completed");
            }
        };
        output.set(item.outputIndex, finished);
        emit("response.output_item.done", Json.object().put("output_index", item.outputIndex).set("item", finished));
    }

    private static ObjectNode itemEvent(Item item) {
        return Json.object().put("item_id", item.id).put("output_index", item.outputIndex);
    }

    /**
     * The events that end a stream broken by {@code e}, as OpenAI ends one: {@code error} and
     * {@code response.failed}, numbered in sequence; returned as text, for the call to send as its last.
     */
    String failed(relay.core.error.RelayException e) {
        ObjectNode error = Json.object().put("type", "error").put("sequence_number", sequence++)
                .put("code", e.kind().code()).put("message", e.getMessage());
        error.put("param", e.param());
        ObjectNode failedResponse = ChatToResponses.shell(id, createdAt, answeredModel == null ? model : answeredModel, request, "failed");
        failedResponse.putObject("error").put("code", e.kind().code()).put("message", e.getMessage());
        ObjectNode failed = Json.object().put("type", "response.failed").put("sequence_number", sequence++);
        failed.set("response", failedResponse);
        return "event: error\ndata: " + Json.write(error) + "\n\nevent: response.failed\ndata: " + Json.write(failed) + "\n\n";
    }

    private void emit(String type, ObjectNode data) {
        ObjectNode event = Json.object().put("type", type).put("sequence_number", sequence++);
        event.setAll(data);
        out.event(type, event);
    }
}
