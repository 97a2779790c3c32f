package relay.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.keys.KeyStore;

/**
 * Mixpanel events through the ingestion API's {@code POST {MIXPANEL_API_URL}/track?ip=0&verbose=1}
 * (default {@code https://api.mixpanel.com}; EU {@code https://api-eu.mixpanel.com};
 * docs.mixpanel.com/reference/track-event): a JSON array of {@code {"event": "LLM Request",
 * "properties": {token, distinct_id, time (ms), $insert_id, …}}}, the project token in the body.
 * {@code $insert_id} is the request id, so Mixpanel drops a retried delivery as a duplicate;
 * {@code distinct_id} the request's {@code user}, else empty (an event tied to no user); {@code ip=0}
 * keeps Mixpanel from locating the forwarder's own address. Analytics only: no message text.
 * LiteLLM has no Mixpanel callback; the key is named as Mixpanel names it: {@code MIXPANEL_PROJECT_TOKEN}
 * ({@code MIXPANEL_TOKEN} also read), base URL {@code MIXPANEL_API_URL}.
 */
final class MixpanelSink implements Sink {
    static final String DEFAULT_URL = "https://api.mixpanel.com";
    static final String EVENT = "LLM Request";
    /** Mixpanel's rule for {@code $insert_id}: up to 36 letters, digits or dashes. */
    private static final Pattern INSERT_ID = Pattern.compile("[A-Za-z0-9-]{1,36}");
    /** Properties Mixpanel reserves; the record's own fields do not overwrite them. */
    private static final Set<String> RESERVED = Set.of("token", "distinct_id", "time", "$insert_id");

    private final KeyStore keys;

    MixpanelSink(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public String name() {
        return "mixpanel";
    }

    @Override
    public int maxBatch() {
        return 100;
    }

    @Override
    public SinkRequest request(List<SinkEvent> events) {
        String token = token();
        String base = Keys.baseUrl(name(), "MIXPANEL_API_URL", Keys.optional(keys, "MIXPANEL_API_URL", DEFAULT_URL));
        ArrayNode body = Json.MAPPER.createArrayNode();
        events.forEach(e -> body.add(event(e, token)));
        return SinkRequest.json(URI.create(base + "/track?ip=0&verbose=1"),
                Map.of("Content-Type", "application/json", "Accept", "application/json"), body.toString());
    }

    private String token() {
        String token = Keys.optional(keys, "MIXPANEL_PROJECT_TOKEN", Keys.optional(keys, "MIXPANEL_TOKEN", null));
        if (token == null) throw SinkException.notConfigured(name(), "MIXPANEL_PROJECT_TOKEN");
        return token;
    }

    static ObjectNode event(SinkEvent e, String token) {
        var log = e.log();
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("event", EVENT);
        ObjectNode properties = event.putObject("properties");
        properties.put("token", token);
        properties.put("distinct_id", e.user() != null ? e.user() : "");
        properties.put("time", log.time().toEpochMilli());
        properties.put("$insert_id", INSERT_ID.matcher(e.requestId()).matches()
                ? e.requestId() : Keys.uuidOf(e.requestId()).toString());
        e.fields().fields().forEachRemaining(f -> {
            if (!RESERVED.contains(f.getKey())) properties.set(f.getKey(), f.getValue());
        });
        properties.put("model", e.model());
        if (e.provider() != null) properties.put("provider", e.provider());
        properties.put("success", e.success());
        return event;
    }

    /** With {@code verbose=1} Mixpanel answers {@code {"status": 1}} or {@code {"status": 0, "error": …}}, both with 200. */
    @Override
    public void checkAccepted(int status, String body) {
        String text = body == null ? "" : body.trim();
        if (text.equals("1")) return;
        if (text.equals("0")) throw new SinkException("mixpanel rejected the events", false);
        try {
            JsonNode json = Json.MAPPER.readTree(text);
            if (json != null && json.path("status").asInt(0) == 1) return;
            String error = json == null ? "" : json.path("error").asText("");
            throw new SinkException("mixpanel rejected the events: " + error, false);
        } catch (IOException e) {
            throw new SinkException("mixpanel answered with an unexpected body", false);
        }
    }
}
