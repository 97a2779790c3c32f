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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real HTTP server that speaks OpenAI's API (chat completions, streaming, embeddings, models) on
 * loopback, records what it received, and can be told to fail in the ways real providers do.
 * By default a chat answer is {@code "Echo: <last user message>"}.
 */
public final class FakeOpenAi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted reply, used once, in the order enqueued; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** A status with a JSON body (an error body for failures) and optional headers. */
        record Status(int status, String body, Map<String, String> headers) implements Reply {}

        /** The normal answer, after a delay. */
        record Slow(Duration delay) implements Reply {}

        /** Closes the connection without answering. */
        record Reset() implements Reply {}

        /** A 200 whose body is not JSON. */
        record Malformed() implements Reply {}

        /** A stream that stops after its first chunk, without [DONE]. */
        record TruncatedStream() implements Reply {}

        /**
         * A 200 event stream that stops after {@code chunks} content chunks, without [DONE]; with 0 it
         * ends before its first chunk (a stream that broke before the first byte of an answer).
         */
        record BrokenStream(int chunks) implements Reply {}
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

    private FakeOpenAi(HttpServer server) {
        this.server = server;
    }

    public static FakeOpenAi start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            FakeOpenAi fake = new FakeOpenAi(server);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake OpenAI server", e);
        }
    }

    /** The base URL as OpenAI's SDKs name it, ending in {@code /v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
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

    public static String errorBody(String message, String type, String code) {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode detail = error.putObject("error");
        detail.put("message", message);
        detail.put("type", type);
        detail.putNull("param");
        if (code == null) detail.putNull("code"); else detail.put("code", code);
        return error.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String path = exchange.getRequestURI().getPath();
            requests.add(new Recorded(exchange.getRequestMethod(), path, headers, body));
            Reply reply = script.poll();
            switch (reply) {
                case Reply.Status s -> {
                    s.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                    send(exchange, s.status(), "application/json", s.body());
                    return;
                }
                case Reply.Reset r -> {
                    // An exception out of the handler makes the JDK server drop the connection unanswered.
                    throw new IOException("connection reset on purpose");
                }
                case Reply.Malformed m -> {
                    send(exchange, 200, "application/json", "{\"id\": \"chatcmpl-1\", \"choices\": [");
                    return;
                }
                case Reply.Slow s -> sleep(s.delay());
                case Reply.BrokenStream b -> {
                    StringBuilder sse = new StringBuilder();
                    String model = JSON.readTree(body).path("model").asText();
                    for (int i = 0; i < b.chunks(); i++) {
                        sse.append(event(chunk(model, JSON.createObjectNode().put("content", "part" + i + " ").toString(), null)));
                    }
                    send(exchange, 200, "text/event-stream", sse.toString());
                    return;
                }
                case null, default -> { }
            }
            if (path.endsWith("/chat/completions")) {
                chat(exchange, JSON.readTree(body), reply instanceof Reply.TruncatedStream);
            } else if (path.endsWith("/embeddings")) {
                embeddings(exchange, JSON.readTree(body));
            } else if (path.endsWith("/models")) {
                send(exchange, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openai\"}]}");
            } else {
                send(exchange, 404, "application/json", errorBody("Unknown path " + path, "invalid_request_error", null));
            }
        }
    }

    private void chat(HttpExchange exchange, JsonNode request, boolean truncate) throws IOException {
        String model = request.path("model").asText();
        String text = "Echo: " + lastUserText(request);
        if (request.path("stream").asBoolean(false)) {
            StringBuilder sse = new StringBuilder();
            sse.append(event(chunk(model, "{\"role\":\"assistant\",\"content\":\"\"}", null)));
            for (String word : text.split("(?<= )")) {
                sse.append(event(chunk(model, JSON.createObjectNode().put("content", word).toString(), null)));
                if (truncate) break;
            }
            if (!truncate) {
                sse.append(event(chunk(model, "{}", "stop")));
                if (request.path("stream_options").path("include_usage").asBoolean(false)) {
                    sse.append(event("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
                            + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}"));
                }
                sse.append("data: [DONE]\n\n");
            }
            send(exchange, 200, "text/event-stream", sse.toString());
            return;
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", 1700000000).put("model", model);
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        response.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 5).put("total_tokens", 15);
        response.put("system_fingerprint", "fp_fake");
        response.put("service_tier", "default");
        send(exchange, 200, "application/json", response.toString());
    }

    private static String chunk(String model, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    private static String event(String json) {
        return "data: " + json + "\n\n";
    }

    private void embeddings(HttpExchange exchange, JsonNode request) throws IOException {
        List<String> inputs = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isTextual()) inputs.add(input.asText());
        else input.forEach(i -> inputs.add(i.asText()));
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        ObjectNode response = JSON.createObjectNode();
        response.put("object", "list").put("model", request.path("model").asText());
        ArrayNode data = response.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = vectorFor(inputs.get(i));
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : vector) bytes.putFloat(f);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : vector) values.add(f);
            }
        }
        response.putObject("usage").put("prompt_tokens", 3 * inputs.size()).put("total_tokens", 3 * inputs.size());
        send(exchange, 200, "application/json", response.toString());
    }

    /** The vector this server returns for {@code text}: three values derived from its length and first character. */
    public static float[] vectorFor(String text) {
        return new float[] {text.length(), text.isEmpty() ? 0 : text.charAt(0), 0.5f};
    }

    private static String lastUserText(JsonNode request) {
        String text = "";
        for (JsonNode message : request.path("messages")) {
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

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
