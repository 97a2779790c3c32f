package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostHog's public capture API on loopback ({@code /batch/}, {@code /capture/}, {@code /i/v0/e/}):
 * no auth header, the project API key travels in the body as {@code api_key}; every event needs
 * {@code event} and a {@code distinct_id} (top level or in {@code properties}). Accepted events are
 * kept in {@link #events()}.
 */
public final class FakePostHog extends FakeSinkServer {
    private final String apiKey;
    private final List<JsonNode> events = new ArrayList<>();

    private FakePostHog(String apiKey) {
        this.apiKey = apiKey;
    }

    public static FakePostHog start(String apiKey) {
        return new FakePostHog(apiKey);
    }

    /** Every accepted event (a batch's events one by one). */
    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    @Override
    protected String errorBody(int status) {
        return "{\"type\":\"server_error\",\"code\":\"scripted\",\"detail\":\"scripted failure " + status + "\"}";
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        if (!method.equals("POST")) return Answer.json(405, "{\"type\":\"validation_error\",\"code\":\"method_not_allowed\"}");
        boolean batch = path.equals("/batch/") || path.equals("/batch");
        boolean single = path.equals("/capture/") || path.equals("/capture") || path.equals("/i/v0/e/");
        if (!batch && !single) return Answer.json(404, "{\"type\":\"invalid_request\",\"code\":\"not_found\"}");
        JsonNode json = parse(body);
        if (json == null || !json.isObject()) {
            return Answer.json(400, "{\"type\":\"validation_error\",\"code\":\"invalid_payload\",\"detail\":\"Malformed request data\"}");
        }
        if (!apiKey.equals(json.path("api_key").asText(null))) {
            return Answer.json(401, "{\"type\":\"authentication_error\",\"code\":\"invalid_api_key\",\"detail\":\"Project API key invalid.\"}");
        }
        List<JsonNode> incoming = new ArrayList<>();
        if (batch) json.path("batch").forEach(incoming::add); else incoming.add(json);
        if (incoming.isEmpty()) return Answer.json(400, "{\"type\":\"validation_error\",\"code\":\"no_data\"}");
        for (JsonNode event : incoming) {
            boolean distinct = event.hasNonNull("distinct_id") || event.path("properties").hasNonNull("distinct_id");
            if (!event.hasNonNull("event") || !distinct) {
                return Answer.json(400, "{\"type\":\"validation_error\",\"code\":\"invalid_payload\",\"detail\":\"event and distinct_id are required\"}");
            }
        }
        events.addAll(incoming);
        return Answer.json(200, "{\"status\":\"Ok\"}");
    }
}
