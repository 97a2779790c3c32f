package relay.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.keys.KeyStore;

/**
 * A Helicone log per request through Helicone's async (custom) logging API:
 * {@code POST {HELICONE_API_BASE}/custom/v1/log} (default {@code https://api.worker.helicone.ai})
 * with {@code Authorization: Bearer <HELICONE_API_KEY>} and a {@code HeliconeAsyncLogRequest}
 * (docs.helicone.ai/getting-started/integration-method/manual-logger-curl):
 * {@code providerRequest {url: "custom-model-nopath", json: the request (model, messages when logged),
 * meta: Helicone-* headers (user, request id, properties)}}, {@code providerResponse {status, headers,
 * json: the OpenAI-shaped answer with usage, or the error}}, {@code timing {startTime, endTime}} from
 * the record's time and latency. Message text only with message logging on.
 */
final class HeliconeSink implements Sink {
    static final String DEFAULT_URL = "https://api.worker.helicone.ai";
    private static final Pattern HEADER_SAFE = Pattern.compile("[^A-Za-z0-9-]");

    private final KeyStore keys;

    HeliconeSink(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public String name() {
        return "helicone";
    }

    @Override
    public SinkRequest request(List<SinkEvent> events) {
        if (events.size() != 1) throw new IllegalArgumentException("one Helicone log per request");
        String key = Keys.required(keys, name(), "HELICONE_API_KEY");
        String base = Keys.baseUrl(name(), "HELICONE_API_BASE", Keys.optional(keys, "HELICONE_API_BASE", DEFAULT_URL));
        return SinkRequest.json(URI.create(base + "/custom/v1/log"),
                Map.of("Authorization", "Bearer " + key, "Content-Type", "application/json"), log(events.get(0)).toString());
    }

    static ObjectNode log(SinkEvent e) {
        var record = e.log();
        ObjectNode body = Json.MAPPER.createObjectNode();

        ObjectNode request = body.putObject("providerRequest");
        request.put("url", "custom-model-nopath");
        ObjectNode json = e.requestBody() != null && e.requestBody().isObject()
                ? (ObjectNode) e.requestBody().deepCopy() : Json.MAPPER.createObjectNode();
        json.put("model", e.model());
        if (!json.has("stream")) json.put("stream", record.stream());
        request.set("json", json);
        ObjectNode meta = request.putObject("meta");
        meta.put("Helicone-Request-Id", Keys.uuidOf(e.requestId()).toString());
        if (e.user() != null) meta.put("Helicone-User-Id", e.user());
        meta.put("Helicone-Property-Relay-Request-Id", e.requestId());
        property(meta, "Route", record.route());
        property(meta, "Requested-Model", record.requestedModel());
        property(meta, "Deployment", record.deployment());
        property(meta, "Provider", e.provider());
        e.metadata().fields().forEachRemaining(f -> {
            if (f.getValue().isValueNode()) property(meta, f.getKey(), f.getValue().asText());
        });

        ObjectNode response = body.putObject("providerResponse");
        response.put("status", record.status());
        response.putObject("headers");
        response.set("json", responseJson(e));

        Instant start = record.time();
        Instant end = start.plusMillis(record.latencyMillis());
        ObjectNode timing = body.putObject("timing");
        time(timing.putObject("startTime"), start);
        time(timing.putObject("endTime"), end);
        return body;
    }

    private static JsonNode responseJson(SinkEvent e) {
        var record = e.log();
        if (!e.success()) {
            ObjectNode error = Json.MAPPER.createObjectNode();
            ObjectNode inner = error.putObject("error");
            inner.put("type", record.errorType());
            inner.put("code", record.errorCode());
            if (e.fields().has("error_message")) inner.set("message", e.fields().get("error_message"));
            return error;
        }
        JsonNode logged = e.responseJson();
        ObjectNode json = logged instanceof ObjectNode object ? object.deepCopy() : Json.MAPPER.createObjectNode();
        if (!json.has("id")) json.put("id", e.requestId());
        if (!json.has("object")) json.put("object", e.embedding() ? "list" : "chat.completion");
        if (!json.has("model")) json.put("model", e.model());
        if (!json.has("choices") && !e.embedding() && e.responseText() != null) {
            ObjectNode choice = json.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", e.responseText());
            choice.put("finish_reason", "stop");
        }
        if (!json.has("usage")) {
            ObjectNode usage = json.putObject("usage");
            if (record.promptTokens() != null) usage.put("prompt_tokens", record.promptTokens());
            if (record.completionTokens() != null) usage.put("completion_tokens", record.completionTokens());
            if (record.totalTokens() != null) usage.put("total_tokens", record.totalTokens());
        }
        return json;
    }

    private static void property(ObjectNode meta, String name, String value) {
        if (value == null || value.isEmpty()) return;
        meta.put("Helicone-Property-" + HEADER_SAFE.matcher(name).replaceAll("-"), value.replaceAll("[\\r\\n]", " "));
    }

    private static void time(ObjectNode node, Instant instant) {
        node.put("seconds", instant.getEpochSecond());
        node.put("milliseconds", instant.getNano() / 1_000_000);
    }
}
