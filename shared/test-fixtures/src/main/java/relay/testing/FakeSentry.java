package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentry's ingestion endpoints for one project on loopback: {@code POST /api/{project}/envelope/}
 * (newline-separated envelope: header, then item header and payload; an item's {@code length} is
 * its payload's byte count) and the legacy {@code POST /api/{project}/store/} (one event as JSON).
 * Authentication as Sentry checks it: {@code X-Sentry-Auth: Sentry sentry_version=7,
 * sentry_key=<public key>, …}. Accepted events are in {@link #events()}.
 */
public final class FakeSentry extends FakeSinkServer {
    private final String projectId;
    private final String publicKey;
    private final List<JsonNode> events = new ArrayList<>();
    private final List<JsonNode> envelopeHeaders = new ArrayList<>();

    private FakeSentry(String projectId, String publicKey) {
        this.projectId = projectId;
        this.publicKey = publicKey;
    }

    public static FakeSentry start(String projectId, String publicKey) {
        return new FakeSentry(projectId, publicKey);
    }

    /** The DSN a client uses for this project: {@code http://<public key>@127.0.0.1:<port>/<project>}. */
    public String dsn() {
        return baseUrl().replace("http://", "http://" + publicKey + "@") + "/" + projectId;
    }

    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    public synchronized List<JsonNode> envelopeHeaders() {
        return List.copyOf(envelopeHeaders);
    }

    @Override
    protected String errorBody(int status) {
        return "{\"detail\":\"scripted failure " + status + "\"}";
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        boolean envelope = path.equals("/api/" + projectId + "/envelope/");
        boolean store = path.equals("/api/" + projectId + "/store/");
        if (!envelope && !store) return Answer.json(404, "{\"detail\":\"not found\"}");
        if (!method.equals("POST")) return Answer.json(405, "{\"detail\":\"method not allowed\"}");
        Map<String, String> auth = auth(headers.get("x-sentry-auth"));
        if (!"7".equals(auth.get("sentry_version"))) {
            return Answer.json(400, "{\"detail\":\"bad x-sentry-auth header\",\"causes\":[\"missing sentry_version\"]}");
        }
        if (!publicKey.equals(auth.get("sentry_key"))) {
            return Answer.json(401, "{\"detail\":\"event submission rejected with_reason: ProjectId\"}");
        }
        JsonNode event;
        JsonNode header = null;
        if (store) {
            event = parse(body);
            if (event == null || !event.isObject()) return Answer.json(400, "{\"detail\":\"invalid event payload\"}");
        } else {
            try {
                JsonNode[] parsed = envelope(body.getBytes(StandardCharsets.UTF_8));
                header = parsed[0];
                event = parsed[1];
            } catch (IllegalArgumentException e) {
                return Answer.json(400, "{\"detail\":\"invalid envelope\",\"causes\":[\"" + e.getMessage() + "\"]}");
            }
        }
        String eventId = event.path("event_id").asText("");
        if (!eventId.matches("[0-9a-f]{32}")) return Answer.json(400, "{\"detail\":\"invalid event_id\"}");
        if (header != null && header.has("event_id") && !eventId.equals(header.get("event_id").asText())) {
            return Answer.json(400, "{\"detail\":\"event_id mismatch between envelope and event\"}");
        }
        events.add(event);
        if (header != null) envelopeHeaders.add(header);
        return Answer.json(200, "{\"id\":\"" + eventId + "\"}");
    }

    /** [envelope header, the event item's payload]; the format of develop.sentry.dev/sdk/envelopes. */
    private static JsonNode[] envelope(byte[] bytes) {
        int[] position = {0};
        JsonNode header = line(bytes, position);
        if (header == null || !header.isObject()) throw new IllegalArgumentException("missing envelope header");
        JsonNode event = null;
        while (position[0] < bytes.length) {
            JsonNode itemHeader = line(bytes, position);
            if (itemHeader == null) break;
            byte[] payload;
            if (itemHeader.has("length")) {
                int length = itemHeader.get("length").asInt();
                if (position[0] + length > bytes.length) throw new IllegalArgumentException("item shorter than its length");
                payload = Arrays.copyOfRange(bytes, position[0], position[0] + length);
                position[0] += length;
                if (position[0] < bytes.length) {
                    if (bytes[position[0]] != '\n') throw new IllegalArgumentException("missing newline after payload");
                    position[0]++;
                }
            } else {
                int end = indexOf(bytes, position[0]);
                payload = Arrays.copyOfRange(bytes, position[0], end);
                position[0] = Math.min(bytes.length, end + 1);
            }
            if ("event".equals(itemHeader.path("type").asText())) {
                if (event != null) throw new IllegalArgumentException("more than one event item");
                event = parse(new String(payload, StandardCharsets.UTF_8));
                if (event == null || !event.isObject()) throw new IllegalArgumentException("invalid item payload");
            }
        }
        if (event == null) throw new IllegalArgumentException("no event item");
        return new JsonNode[] {header, event};
    }

    private static JsonNode line(byte[] bytes, int[] position) {
        if (position[0] >= bytes.length) return null;
        int end = indexOf(bytes, position[0]);
        String text = new String(bytes, position[0], end - position[0], StandardCharsets.UTF_8);
        position[0] = Math.min(bytes.length, end + 1);
        if (text.isBlank()) return null;
        JsonNode node = parse(text);
        if (node == null) throw new IllegalArgumentException("invalid header line");
        return node;
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) if (bytes[i] == '\n') return i;
        return bytes.length;
    }

    private static Map<String, String> auth(String header) {
        Map<String, String> values = new HashMap<>();
        if (header == null || !header.startsWith("Sentry ")) return values;
        for (String part : header.substring("Sentry ".length()).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) values.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return values;
    }
}
