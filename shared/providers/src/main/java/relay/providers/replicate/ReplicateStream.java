package relay.providers.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;

/**
 * Turns a prediction's event stream ({@code output} events with text, {@code logs}, {@code error},
 * and a final {@code done}) into OpenAI chunks: a role chunk, one content chunk per output event,
 * and at {@code done} the finish chunk. The usage chunk follows via {@link #usage(Usage)}, since
 * Replicate's stream carries no token counts.
 */
public final class ReplicateStream {
    private final String label;
    private final String apiKey;
    private final String id;
    private final String model;
    private final long created;
    private final Consumer<ChatCompletionChunk> out;
    private final StringBuilder text = new StringBuilder();
    private boolean started;

    public ReplicateStream(String label, String apiKey, String id, String model, long created, Consumer<ChatCompletionChunk> out) {
        this.label = label;
        this.apiKey = apiKey;
        this.id = id;
        this.model = model;
        this.created = created;
        this.out = out;
    }

    /** Handles one event; returns false at {@code done}. Throws the prediction's failure at {@code error}. */
    public boolean accept(String event, String data) {
        switch (event == null ? "" : event) {
            case "output" -> {
                start();
                if (!data.isEmpty()) {
                    text.append(data);
                    emit(ChatMessage.of(null, data), null);
                }
            }
            case "error" -> throw ReplicateResponses.failed(label, ReplicateResponses.errorText(data), apiKey);
            case "done" -> {
                String reason = reason(data);
                if (reason.equals("canceled")) {
                    throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " canceled the prediction before it finished.");
                }
                if (reason.equals("error")) throw ReplicateResponses.failed(label, null, apiKey);
                start();
                emit(new ChatMessage(null, null, null, null, null, null, null), "stop");
                return false;
            }
            default -> { } // logs, and events Relay does not know
        }
        return true;
    }

    /** The text streamed so far. */
    public String text() {
        return text.toString();
    }

    /** Sends the usage-only chunk that ends an OpenAI stream. */
    public void usage(Usage usage) {
        out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, null));
    }

    /** {@code done}'s data is {@code {}} or names why the prediction stopped early ({@code {"reason":"canceled"}}). */
    private static String reason(String data) {
        try {
            JsonNode node = Json.MAPPER.readTree(data);
            return node == null ? "" : node.path("reason").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private void start() {
        if (started) return;
        started = true;
        emit(new ChatMessage("assistant", TextNode.valueOf(""), null, null, null, null, null), null);
    }

    private void emit(ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(0, delta, finishReason, null);
        out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null));
    }
}
