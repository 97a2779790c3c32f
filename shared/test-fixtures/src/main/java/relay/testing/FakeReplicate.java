package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that speaks Replicate's predictions API: create (official models, deployments,
 * and versions), get, cancel, and the SSE stream at {@code urls.stream}. It records what it received.
 * A prediction's output is the configured answer as an array of text pieces. Scripted replies shape
 * the next request (a {@link Reply.Status}) or the next created prediction (the others).
 */
public final class FakeReplicate extends FakeProviderServer<FakeReplicate.Reply> {
    public static final List<String> DEFAULT_ANSWER = List.of("The", " capital", " of", " France", " is", " Paris.");

    public sealed interface Reply {
        /** The next request gets this status and body (Replicate's errors are {@code {"detail","status","title"}}). */
        record Status(int status, String body) implements Reply, Canned {}

        /** The next prediction is still running for this many polls. */
        record Pending(int polls) implements Reply {}

        /** The next prediction fails with this error (in its JSON, or as the stream's error event). */
        record Fail(String error) implements Reply {}

        /** The next prediction has no stream URL (a model that cannot stream). */
        record NoStream() implements Reply {}

        /** The next prediction reports no token counts. */
        record NoMetrics() implements Reply {}

        /** The next prediction's stream ends after its first output, without done. */
        record TruncatedStream() implements Reply {}

        /** The next prediction's URLs point at another host. */
        record ForeignUrls() implements Reply {}
    }

    private static final class Prediction {
        final String id;
        final ObjectNode created;
        int pendingPolls;
        String fail;
        boolean noStream;
        boolean noMetrics;
        boolean truncate;
        boolean foreign;
        String status = "starting";

        Prediction(String id, ObjectNode created) {
            this.id = id;
            this.created = created;
        }
    }

    private final Map<String, Prediction> predictions = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile List<String> answer = DEFAULT_ANSWER;

    private FakeReplicate() {
        super("/v1"); // Replicate's API base ends in /v1
    }

    public static FakeReplicate start() {
        return new FakeReplicate();
    }

    /** The text pieces every prediction outputs from now on. */
    public void answer(List<String> pieces) {
        answer = List.copyOf(pieces);
    }

    /** The requests whose path starts with {@code prefix}, in order. */
    public List<Recorded> requests(String method, String prefix) {
        return requests().stream().filter(r -> r.method().equals(method) && r.path().startsWith(prefix)).toList();
    }

    @Override
    public void reset() {
        super.reset();
        predictions.clear();
        answer = DEFAULT_ANSWER;
    }

    public static String errorBody(int status, String title, String detail) {
        return JSON.createObjectNode().put("title", title).put("detail", detail).put("status", status).toString();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        // A Status answers this request; the other replies wait for the next created prediction.
        if (peekReply() instanceof Reply.Status && sendCanned(exchange, nextReply())) return;
        String path = received.path();
        String method = received.method();
        if (method.equals("POST") && path.startsWith("/v1/") && path.endsWith("/predictions")) {
            create(exchange, path, received.headers(), JSON.readTree(received.body()));
        } else if (method.equals("POST") && path.startsWith("/v1/predictions/") && path.endsWith("/cancel")) {
            Prediction p = predictions.get(path.substring("/v1/predictions/".length(), path.length() - "/cancel".length()));
            if (p == null) {
                notFound(exchange);
                return;
            }
            p.status = "canceled";
            send(exchange, 200, "application/json", json(p).toString());
        } else if (method.equals("GET") && path.startsWith("/v1/predictions/")) {
            Prediction p = predictions.get(path.substring("/v1/predictions/".length()));
            if (p == null) {
                notFound(exchange);
                return;
            }
            if (!finished(p)) {
                if (p.pendingPolls > 0) {
                    p.pendingPolls--;
                    p.status = "processing";
                } else {
                    finish(p);
                }
            }
            send(exchange, 200, "application/json", json(p).toString());
        } else if (method.equals("GET") && path.startsWith("/stream/")) {
            Prediction p = predictions.get(path.substring("/stream/".length()));
            if (p == null) {
                notFound(exchange);
                return;
            }
            stream(exchange, p);
        } else {
            notFound(exchange);
        }
    }

    private void create(HttpExchange exchange, String path, Map<String, String> headers, JsonNode body) throws IOException {
        if (!body.path("input").isObject()) {
            send(exchange, 422, "application/json", errorBody(422, "Input validation failed", "input is required"));
            return;
        }
        if (path.equals("/v1/predictions") && !body.path("version").isTextual()) {
            send(exchange, 422, "application/json", errorBody(422, "Invalid version", "version is required"));
            return;
        }
        ObjectNode created = JSON.createObjectNode();
        created.put("model", path.equals("/v1/predictions") ? "owner/versioned"
                : path.substring(path.indexOf('/', 4) + 1, path.length() - "/predictions".length()));
        created.put("version", body.path("version").asText("official"));
        created.set("input", body.path("input"));
        created.put("stream", body.path("stream").asBoolean(false));
        Prediction p = new Prediction("pred" + ids.incrementAndGet(), created);
        Reply reply;
        while ((reply = peekReply()) != null && !(reply instanceof Reply.Status)) {
            nextReply();
            switch (reply) {
                case Reply.Pending pending -> p.pendingPolls = pending.polls();
                case Reply.Fail fail -> p.fail = fail.error();
                case Reply.NoStream n -> p.noStream = true;
                case Reply.NoMetrics n -> p.noMetrics = true;
                case Reply.TruncatedStream t -> p.truncate = true;
                case Reply.ForeignUrls f -> p.foreign = true;
                case Reply.Status s -> { }
            }
        }
        predictions.put(p.id, p);
        boolean waits = headers.getOrDefault("prefer", "").startsWith("wait");
        if (waits && p.pendingPolls == 0 && !created.path("stream").asBoolean()) finish(p);
        send(exchange, 201, "application/json", json(p).toString());
    }

    private void finish(Prediction p) {
        p.status = p.fail != null ? "failed" : "succeeded";
    }

    private static boolean finished(Prediction p) {
        return !p.status.equals("starting") && !p.status.equals("processing");
    }

    private ObjectNode json(Prediction p) {
        ObjectNode json = JSON.createObjectNode().put("id", p.id);
        json.put("model", p.created.path("model").asText()).put("version", p.created.path("version").asText());
        json.set("input", p.created.path("input"));
        json.put("logs", "");
        json.put("status", p.status);
        json.put("created_at", "2024-07-23T15:04:21.227000Z");
        json.put("data_removed", false);
        if (p.status.equals("succeeded")) {
            ArrayNode output = json.putArray("output");
            answer.forEach(output::add);
        } else {
            json.putNull("output");
        }
        if (p.status.equals("failed")) json.put("error", p.fail); else json.putNull("error");
        ObjectNode urls = json.putObject("urls");
        String base = p.foreign ? "http://evil.example/v1" : baseUrl();
        urls.put("get", base + "/predictions/" + p.id);
        urls.put("cancel", base + "/predictions/" + p.id + "/cancel");
        if (p.created.path("stream").asBoolean() && !p.noStream) {
            urls.put("stream", (p.foreign ? "http://evil.example" : origin()) + "/stream/" + p.id);
        }
        ObjectNode metrics = json.putObject("metrics");
        if (p.status.equals("succeeded")) {
            metrics.put("predict_time", 0.5);
            if (!p.noMetrics) metrics.put("input_token_count", 12).put("output_token_count", answer.size());
        }
        return json;
    }

    private void stream(HttpExchange exchange, Prediction p) throws IOException {
        StringBuilder sse = new StringBuilder();
        int n = 0;
        for (String piece : answer) {
            sse.append("event: output\nid: ").append(n++).append('\n');
            for (String line : piece.split("\n", -1)) sse.append("data: ").append(line).append('\n');
            sse.append('\n');
            if (p.truncate || p.fail != null) break;
        }
        if (p.fail != null) {
            p.status = "failed";
            sse.append("event: error\ndata: ").append(JSON.createObjectNode().put("detail", p.fail)).append("\n\n");
        } else if (!p.truncate) {
            finish(p);
            sse.append("event: done\ndata: {}\n\n");
        }
        send(exchange, 200, "text/event-stream", sse.toString());
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, "application/json", errorBody(404, "Not found", "The requested resource could not be found."));
    }
}
