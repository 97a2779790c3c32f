package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Helicone's async (custom) logging API on loopback: {@code POST /custom/v1/log} with
 * {@code Authorization: Bearer <HELICONE_API_KEY>} and a {@code HeliconeAsyncLogRequest}
 * ({@code providerRequest {url, json, meta}}, {@code providerResponse {status, headers, json|textBody}},
 * optional {@code timing {startTime, endTime: {seconds, milliseconds}}}), as in
 * docs.helicone.ai/getting-started/integration-method/manual-logger-curl. Accepted logs are in {@link #logs()}.
 */
public final class FakeHelicone extends FakeSinkServer {
    private final String apiKey;
    private final List<JsonNode> logs = new ArrayList<>();

    private FakeHelicone(String apiKey) {
        this.apiKey = apiKey;
    }

    public static FakeHelicone start(String apiKey) {
        return new FakeHelicone(apiKey);
    }

    public synchronized List<JsonNode> logs() {
        return List.copyOf(logs);
    }

    @Override
    protected String errorBody(int status) {
        return "{\"error\":\"scripted failure " + status + "\"}";
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        if (!path.equals("/custom/v1/log")) return Answer.json(404, "{\"error\":\"not found\"}");
        if (!method.equals("POST")) return Answer.json(405, "{\"error\":\"method not allowed\"}");
        if (!("Bearer " + apiKey).equals(headers.get("authorization"))) {
            return Answer.json(401, "{\"error\":\"Invalid API key\"}");
        }
        JsonNode json = parse(body);
        if (json == null || !json.isObject()) return Answer.json(400, "{\"error\":\"invalid JSON\"}");
        JsonNode request = json.path("providerRequest");
        JsonNode response = json.path("providerResponse");
        if (!request.path("url").isTextual() || !request.path("json").isObject()) {
            return Answer.json(400, "{\"error\":\"providerRequest.url and providerRequest.json are required\"}");
        }
        if (!response.path("status").isNumber() || !(response.path("json").isObject() || response.path("textBody").isTextual())) {
            return Answer.json(400, "{\"error\":\"providerResponse.status and providerResponse.json or textBody are required\"}");
        }
        JsonNode timing = json.path("timing");
        if (!timing.isMissingNode()) {
            for (String end : List.of("startTime", "endTime")) {
                if (!timing.path(end).path("seconds").isNumber() || !timing.path(end).path("milliseconds").isNumber()) {
                    return Answer.json(400, "{\"error\":\"timing." + end + " needs seconds and milliseconds\"}");
                }
            }
        }
        logs.add(json);
        return Answer.json(200, "{\"status\":\"ok\"}");
    }
}
