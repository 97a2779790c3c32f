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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A loopback server that speaks Hugging Face's APIs: the router's (and TGI's) OpenAI-compatible
 * {@code …/v1/chat/completions}, streamed or not, and feature extraction ({@code …/pipeline/feature-extraction}
 * and TEI's {@code /embed}, both {@code {"inputs": [...]}} -> one vector per input). Chat answers
 * {@code "Echo: <last user message>"}; with tools and a user turn last it calls the first tool with
 * {@code {"city":"Paris"}}; after a tool result it answers {@code "Tool said: <result>"}. Hugging Face's
 * errors are {@code {"error": "..."}}.
 */
public final class FakeHuggingFace implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public sealed interface Reply {
        /** The next request gets this status and body. */
        record Status(int status, String body) implements Reply {}

        /** The next feature extraction returns token-level features (a matrix per input). */
        record TokenFeatures() implements Reply {}
    }

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

    private FakeHuggingFace(HttpServer server) {
        this.server = server;
    }

    public static FakeHuggingFace start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            FakeHuggingFace fake = new FakeHuggingFace(server);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Hugging Face server", e);
        }
    }

    /** The server's root, standing in for {@code https://router.huggingface.co} or an endpoint's host. */
    public String rootUrl() {
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
        return JSON.createObjectNode().put("error", message).toString();
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
            if (path.endsWith("/v1/chat/completions")) {
                chat(exchange, JSON.readTree(body));
            } else if (path.endsWith("/pipeline/feature-extraction") || path.endsWith("/embed")) {
                features(exchange, JSON.readTree(body), reply instanceof Reply.TokenFeatures);
            } else {
                send(exchange, 404, "application/json", errorBody("Not Found"));
            }
        }
    }

    private void chat(HttpExchange exchange, JsonNode request) throws IOException {
        String model = request.path("model").asText();
        JsonNode messages = request.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String toolName = request.path("tools").path(0).path("function").path("name").asText(null);
        boolean callTool = toolName != null && "user".equals(last.path("role").asText())
                && !"none".equals(request.path("tool_choice").asText());
        String text = "tool".equals(last.path("role").asText())
                ? "Tool said: " + last.path("content").asText()
                : "Echo: " + lastUserText(messages);
        if (request.path("stream").asBoolean(false)) {
            StringBuilder sse = new StringBuilder();
            sse.append(event(chunk(model, "{\"role\":\"assistant\",\"content\":\"\"}", null)));
            if (callTool) {
                sse.append(event(chunk(model, "{\"tool_calls\":[{\"index\":0,\"id\":\"call_hf_1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"" + toolName + "\",\"arguments\":\"\"}}]}", null)));
                for (String fragment : List.of("{\"city\":", "\"Paris\"}")) {
                    ObjectNode delta = JSON.createObjectNode();
                    delta.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", fragment);
                    sse.append(event(chunk(model, delta.toString(), null)));
                }
            } else {
                for (String word : text.split("(?<= )")) {
                    sse.append(event(chunk(model, JSON.createObjectNode().put("content", word).toString(), null)));
                }
            }
            sse.append(event(chunk(model, "{}", callTool ? "tool_calls" : "stop")));
            if (request.path("stream_options").path("include_usage").asBoolean(false)) {
                sse.append(event("{\"id\":\"chatcmpl-hf\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
                        + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}"));
            }
            sse.append("data: [DONE]\n\n");
            send(exchange, 200, "text/event-stream", sse.toString());
            return;
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("id", "chatcmpl-hf").put("object", "chat.completion").put("created", 1700000000).put("model", model);
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (callTool) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_hf_1").put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", "{\"city\":\"Paris\"}");
        } else {
            message.put("content", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", callTool ? "tool_calls" : "stop");
        response.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 5).put("total_tokens", 15);
        send(exchange, 200, "application/json", response.toString());
    }

    private void features(HttpExchange exchange, JsonNode request, boolean tokenLevel) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode input : request.path("inputs")) {
            ArrayNode vector = JSON.createArrayNode();
            for (float f : FakeOpenAi.vectorFor(input.asText())) vector.add(f);
            if (tokenLevel) out.addArray().add(vector).add(vector.deepCopy()); else out.add(vector);
        }
        send(exchange, 200, "application/json", out.toString());
    }

    private static String chunk(String model, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-hf\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    private static String event(String json) {
        return "data: " + json + "\n\n";
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
