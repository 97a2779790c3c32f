package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mixpanel's ingestion endpoint {@code POST /track} on loopback: a JSON array of
 * {@code {"event", "properties": {"token", "distinct_id", "time", "$insert_id", …}}}, at most 2000
 * events. As Mixpanel does, it answers 200 with {@code 1} on success and {@code 0} on failure (a JSON
 * {@code {"status", "error"}} with {@code verbose=1}), and deduplicates on {@code $insert_id}.
 */
public final class FakeMixpanel extends FakeSinkServer {
    private final String token;
    private final Map<String, JsonNode> events = new LinkedHashMap<>();

    private FakeMixpanel(String token) {
        this.token = token;
    }

    public static FakeMixpanel start(String token) {
        return new FakeMixpanel(token);
    }

    /** The stored events, one per {@code $insert_id}. */
    public synchronized List<JsonNode> events() {
        return List.copyOf(events.values());
    }

    @Override
    protected String errorBody(int status) {
        return "{\"error\":\"scripted failure " + status + "\",\"status\":0}";
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        if (!path.equals("/track") && !path.equals("/track/")) return new Answer(404, "text/plain", "not found");
        if (!method.equals("POST")) return new Answer(405, "text/plain", "method not allowed");
        boolean verbose = "1".equals(queryParameters(query).get("verbose"));
        JsonNode json = parse(body);
        List<JsonNode> incoming = new ArrayList<>();
        if (json != null && json.isArray()) json.forEach(incoming::add);
        else if (json != null && json.isObject()) incoming.add(json);
        else return failure(verbose, 400, "data, missing or empty");
        if (incoming.size() > 2000) return failure(verbose, 400, "too many events, max 2000");
        for (JsonNode event : incoming) {
            JsonNode properties = event.path("properties");
            if (!event.hasNonNull("event")) return failure(verbose, 200, "'event' must be set");
            if (!token.equals(properties.path("token").asText(null))) return failure(verbose, 200, "token, missing or invalid");
        }
        for (JsonNode event : incoming) {
            String insertId = event.path("properties").path("$insert_id").asText("event-" + events.size());
            events.put(insertId, event);
        }
        return verbose ? Answer.json(200, "{\"error\":null,\"status\":1}") : new Answer(200, "text/plain", "1");
    }

    private static Answer failure(boolean verbose, int status, String error) {
        return verbose ? Answer.json(status, "{\"error\":\"" + error + "\",\"status\":0}") : new Answer(status, "text/plain", "0");
    }
}
