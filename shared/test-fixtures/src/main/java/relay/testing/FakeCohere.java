package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A loopback server that speaks Cohere's v2 API ({@code /v2/chat}, streamed as typed SSE events, and
 * {@code /v2/embed}), records what it received, and fails on cue. Chat answers {@code "Echo: <last user
 * message>"}; with tools and a user turn last it calls the first tool with {@code {"city":"Paris"}};
 * after a tool result it answers {@code "Tool said: <result>"}.
 */
public final class FakeCohere implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted reply, used once, in order; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** A status with a body (Cohere's errors are {@code {"message": "..."}}). */
        record Status(int status, String body) implements Reply {}

        /** A 200 whose body is not JSON. */
        record Malformed() implements Reply {}

        /** A stream that stops after its first events, without message-end. */
        record TruncatedStream() implements Reply {}
    }

    /** What the server received. */
    public record Recorded(String method, String path, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    private final HttpServer server;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();

    private FakeCohere(HttpServer server) {
        this.server = server;
    }

    public static FakeCohere start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            FakeCohere fake = new FakeCohere(server);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Cohere server", e);
        }
    }

    /** The API base as Relay's config names it: the host, without {@code /v2}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public Recorded lastRequest() {
        return requests.get(requests.size() - 1);
    }

    public void enqueue(Reply... replies) {
        script.addAll(List.of(replies));
    }

    public void reset() {
        requests.clear();
        script.clear();
    }

    public static String errorBody(String message) {
        return JSON.createObjectNode().put("id", "err-fake").put("message", message).toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String path = exchange.getRequestURI().getPath();
            requests.add(new Recorded(exchange.getRequestMethod(), path, headers, body));
            Reply reply = script.poll();
            if (reply instanceof Reply.Status s) {
                send(exchange, s.status(), "application/json", s.body());
                return;
            }
            if (reply instanceof Reply.Malformed) {
                send(exchange, 200, "application/json", "{\"id\": \"x\", \"message\": {");
                return;
            }
            if (path.equals("/v2/chat")) {
                chat(exchange, JSON.readTree(body), reply instanceof Reply.TruncatedStream);
            } else if (path.equals("/v2/embed")) {
                embed(exchange, JSON.readTree(body));
            } else {
                send(exchange, 404, "application/json", errorBody("Unknown path " + path));
            }
        }
    }

    private void chat(HttpExchange exchange, JsonNode request, boolean truncate) throws IOException {
        JsonNode messages = request.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String toolName = request.path("tools").path(0).path("function").path("name").asText(null);
        boolean callTool = toolName != null && "user".equals(last.path("role").asText())
                && !"NONE".equals(request.path("tool_choice").asText());
        String text = "tool".equals(last.path("role").asText())
                ? "Tool said: " + last.path("content").asText()
                : "Echo: " + lastUserText(messages);
        if (request.path("stream").asBoolean(false)) {
            StringBuilder sse = new StringBuilder();
            sse.append(event("message-start", "{\"id\":\"cohere-fake\",\"type\":\"message-start\",\"delta\":{\"message\":"
                    + "{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}"));
            if (callTool) {
                sse.append(event("tool-plan-delta", "{\"type\":\"tool-plan-delta\",\"delta\":{\"message\":{\"tool_plan\":\"I will call "
                        + toolName + ".\"}}}"));
                sse.append(event("tool-call-start", "{\"type\":\"tool-call-start\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":"
                        + "{\"id\":\"call_fake_1\",\"type\":\"function\",\"function\":{\"name\":\"" + toolName + "\",\"arguments\":\"\"}}}}}"));
                for (String fragment : List.of("{\"city\":", "\"Paris\"}")) {
                    ObjectNode delta = JSON.createObjectNode().put("type", "tool-call-delta").put("index", 0);
                    delta.putObject("delta").putObject("message").putObject("tool_calls").putObject("function").put("arguments", fragment);
                    sse.append(event("tool-call-delta", delta.toString()));
                }
                sse.append(event("tool-call-end", "{\"type\":\"tool-call-end\",\"index\":0}"));
            } else {
                sse.append(event("content-start", "{\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}"));
                for (String word : text.split("(?<= )")) {
                    ObjectNode delta = JSON.createObjectNode().put("type", "content-delta").put("index", 0);
                    delta.putObject("delta").putObject("message").putObject("content").put("text", word);
                    sse.append(event("content-delta", delta.toString()));
                    if (truncate) break;
                }
                sse.append(event("content-end", "{\"type\":\"content-end\",\"index\":0}"));
            }
            if (!truncate) {
                sse.append(event("message-end", "{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\""
                        + (callTool ? "TOOL_CALL" : "COMPLETE") + "\",\"usage\":" + usage() + "}}"));
            }
            send(exchange, 200, "text/event-stream", sse.toString());
            return;
        }
        ObjectNode response = JSON.createObjectNode().put("id", "cohere-fake");
        ObjectNode message = response.putObject("message").put("role", "assistant");
        if (callTool) {
            message.put("tool_plan", "I will call " + toolName + ".");
            ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_fake_1").put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", "{\"city\":\"Paris\"}");
        } else {
            message.putArray("content").addObject().put("type", "text").put("text", text);
        }
        response.put("finish_reason", callTool ? "TOOL_CALL" : "COMPLETE");
        response.set("usage", JSON.readTree(usage()));
        send(exchange, 200, "application/json", response.toString());
    }

    private static String usage() {
        return "{\"billed_units\":{\"input_tokens\":8,\"output_tokens\":5},\"tokens\":{\"input_tokens\":10,\"output_tokens\":5}}";
    }

    private void embed(HttpExchange exchange, JsonNode request) throws IOException {
        List<String> texts = new ArrayList<>();
        request.path("texts").forEach(t -> texts.add(t.asText()));
        ObjectNode response = JSON.createObjectNode().put("id", "embed-fake").put("response_type", "embeddings_by_type");
        ArrayNode floats = response.putObject("embeddings").putArray("float");
        for (String text : texts) {
            ArrayNode vector = floats.addArray();
            for (float f : FakeOpenAi.vectorFor(text)) vector.add(f);
        }
        response.set("texts", request.path("texts").deepCopy());
        response.putObject("meta").putObject("billed_units").put("input_tokens", 3 * texts.size());
        send(exchange, 200, "application/json", response.toString());
    }

    private static String lastUserText(JsonNode messages) {
        String text = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                JsonNode content = message.path("content");
                text = content.isTextual() ? content.asText() : content.toString();
            }
        }
        return text;
    }

    private static String event(String name, String json) {
        return "event: " + name + "\ndata: " + json + "\n\n";
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
