package relay.providers.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;
import relay.providers.http.ProviderErrors;

/** A finished Replicate prediction in OpenAI's shapes. */
public final class ReplicateResponses {
    private ReplicateResponses() {}

    /** Whether the prediction has stopped running (Replicate's terminal states). */
    public static boolean finished(JsonNode prediction) {
        return switch (prediction.path("status").asText()) {
            case "succeeded", "failed", "canceled", "aborted" -> true;
            default -> false;
        };
    }

    /**
     * A succeeded prediction as a chat completion. Replicate reports no finish reason, so it is
     * {@code stop}.
     *
     * @param input the prediction's input as sent, for estimating tokens when Replicate reports none
     */
    public static ChatCompletionResponse chat(JsonNode prediction, String model, long now, JsonNode input) {
        String text = outputText(prediction.path("output"));
        String id = prediction.path("id").asText("");
        var choice = new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", text), "stop", null);
        return new ChatCompletionResponse(id.isEmpty() ? Completions.newId() : id, ChatCompletionResponse.OBJECT,
                created(prediction, now), model, List.of(choice), usage(prediction, input, text), null);
    }

    /** A language model's output: an array of text pieces to join (or, for some models, one string). */
    public static String outputText(JsonNode output) {
        if (output == null || output.isNull() || output.isMissingNode()) return "";
        if (output.isTextual()) return output.asText();
        if (output.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode piece : output) if (!piece.isNull()) text.append(piece.asText());
            return text.toString();
        }
        return output.toString();
    }

    /** Replicate's own token counts ({@code metrics.input_token_count}/{@code output_token_count}), else an estimate. */
    public static Usage usage(JsonNode prediction, JsonNode input, String answer) {
        JsonNode metrics = prediction.path("metrics");
        if (metrics.path("input_token_count").isNumber() && metrics.path("output_token_count").isNumber()) {
            return Usage.of(metrics.path("input_token_count").asInt(), metrics.path("output_token_count").asInt());
        }
        String prompt = input.path("system_prompt").asText("") + input.path("prompt").asText("");
        return Usage.of(Completions.estimateTokens(prompt), Completions.estimateTokens(answer));
    }

    /** {@code created_at} in epoch seconds, or {@code now} when it is missing or unreadable. */
    static long created(JsonNode prediction, long now) {
        try {
            return prediction.path("created_at").isTextual() ? Instant.parse(prediction.path("created_at").asText()).getEpochSecond() : now;
        } catch (DateTimeParseException e) {
            return now;
        }
    }

    /**
     * A prediction that did not succeed: a provider error carrying Replicate's {@code error} text,
     * or a context-window error when that text says the input was too long.
     */
    public static RelayException failure(String label, JsonNode prediction, String apiKey) {
        String status = prediction.path("status").asText("unknown");
        if (!status.equals("failed")) {
            return new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended the prediction with status " + status + ".");
        }
        JsonNode error = prediction.path("error");
        return failed(label, error.isTextual() ? error.asText() : error.isMissingNode() || error.isNull() ? null : error.toString(), apiKey);
    }

    static RelayException failed(String label, String error, String apiKey) {
        String text = error == null || error.isBlank() ? "no reason given" : ProviderErrors.message(error, apiKey, true);
        ErrorKind kind = ProviderErrors.classify(400, new ProviderErrors.Details(text, null)) == ErrorKind.CONTEXT_WINDOW_EXCEEDED
                ? ErrorKind.CONTEXT_WINDOW_EXCEEDED : ErrorKind.PROVIDER_ERROR;
        return new RelayException(kind, label + " prediction failed: " + text);
    }

    /** The text of a stream's {@code error} event: a JSON object's detail/error/message, or the data itself. */
    static String errorText(String data) {
        try {
            JsonNode node = Json.MAPPER.readTree(data);
            if (node != null && node.isObject()) {
                for (String field : List.of("detail", "error", "message")) {
                    if (node.path(field).isTextual()) return node.path(field).asText();
                }
            }
        } catch (IOException notJson) {
            // plain text
        }
        return data;
    }
}
