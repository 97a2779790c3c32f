package relay.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.List;
import java.util.Map;
import relay.core.Json;
import relay.core.keys.KeyStore;

/**
 * PostHog LLM-analytics events through the public capture API's batch endpoint
 * ({@code POST {POSTHOG_API_URL}/batch/}, default {@code https://us.i.posthog.com}; no auth header,
 * the project key travels in the body as {@code api_key}; posthog.com/docs/api/capture). One
 * {@code $ai_generation} (chat, completions) or {@code $ai_embedding} event per request, with the
 * {@code $ai_*} properties LiteLLM's PostHog callback sets ({@code $ai_trace_id, $ai_model,
 * $ai_provider, $ai_input_tokens, $ai_output_tokens, $ai_latency} in seconds, {@code $ai_http_status,
 * $ai_is_error, $ai_error, $ai_total_cost_usd}; {@code $ai_input} and {@code $ai_output_choices} only
 * with message logging on) and the record's fields beside them. {@code distinct_id} is the request's
 * {@code user}, else the request id with {@code $process_person_profile: false} (no person profile
 * for anonymous calls). {@code uuid} derives from the request id, so a retried delivery is deduplicated.
 * Keys: {@code POSTHOG_API_KEY}, {@code POSTHOG_API_URL}.
 */
final class PostHogSink implements Sink {
    static final String DEFAULT_URL = "https://us.i.posthog.com";

    private final KeyStore keys;

    PostHogSink(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public String name() {
        return "posthog";
    }

    @Override
    public int maxBatch() {
        return 100;
    }

    @Override
    public SinkRequest request(List<SinkEvent> events) {
        String key = Keys.required(keys, name(), "POSTHOG_API_KEY");
        String base = Keys.baseUrl(name(), "POSTHOG_API_URL", Keys.optional(keys, "POSTHOG_API_URL", DEFAULT_URL));
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("api_key", key);
        ArrayNode batch = body.putArray("batch");
        events.forEach(e -> batch.add(event(e)));
        return SinkRequest.json(URI.create(base + "/batch/"), Map.of("Content-Type", "application/json"), body.toString());
    }

    static ObjectNode event(SinkEvent e) {
        var log = e.log();
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("event", e.embedding() ? "$ai_embedding" : "$ai_generation");
        event.put("distinct_id", e.user() != null ? e.user() : e.requestId());
        event.put("timestamp", log.time().toString());
        event.put("uuid", Keys.uuidOf(e.requestId()).toString());
        ObjectNode properties = event.putObject("properties");
        properties.setAll(e.fields());
        properties.put("$ai_trace_id", e.requestId());
        properties.put("$ai_model", e.model());
        if (e.provider() != null) properties.put("$ai_provider", e.provider());
        if (log.promptTokens() != null) properties.put("$ai_input_tokens", log.promptTokens());
        if (log.completionTokens() != null) properties.put("$ai_output_tokens", log.completionTokens());
        properties.put("$ai_latency", log.latencyMillis() / 1000.0);
        properties.put("$ai_http_status", log.status());
        properties.put("$ai_is_error", !e.success());
        if (!e.success()) {
            JsonNode message = e.fields().get("error_message");
            properties.put("$ai_error", message != null ? message.asText()
                    : log.errorType() + (log.errorCode() == null ? "" : " (" + log.errorCode() + ")"));
        }
        if (log.costUsd() != null) properties.put("$ai_total_cost_usd", log.costUsd());
        properties.put("$ai_stream", log.stream());
        JsonNode messages = e.messages();
        if (messages != null) properties.set("$ai_input", messages);
        JsonNode choices = choices(e);
        if (choices != null) properties.set("$ai_output_choices", choices);
        if (e.user() == null) properties.put("$process_person_profile", false);
        return event;
    }

    private static JsonNode choices(SinkEvent e) {
        JsonNode json = e.responseJson();
        if (json != null && json.has("choices")) {
            ArrayNode messages = Json.MAPPER.createArrayNode();
            json.get("choices").forEach(c -> messages.add(c.has("message") ? c.get("message") : c));
            return messages;
        }
        String text = e.responseText();
        if (text == null || e.embedding()) return null;
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "assistant").put("content", text);
        return messages;
    }
}
