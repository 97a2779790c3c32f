package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP server that speaks OpenAI's API (chat completions, streaming, embeddings, models) on
 * loopback, records what it received, and can be told to fail in the ways real providers do.
 * By default a chat answer is {@code "Echo: <last user message>"}.
 */
public final class FakeOpenAi extends FakeProviderServer<FakeOpenAi.Reply> {
    /** One scripted reply, used once, in the order enqueued; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** A status with a JSON body (an error body for failures) and optional headers. */
        record Status(int status, String body, Map<String, String> headers) implements Reply, Canned {}

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

        /**
         * A stream written as a provider writes one: {@code chunks} content chunks ("w0 ", "w1 ", ...), each
         * flushed, {@code gap} apart, then {@code [DONE]}; with {@code stallAfter} >= 0 it stops writing after that
         * many chunks and holds the connection open until the client closes it.
         */
        /**
         * A 200 event stream of these JSON events (the Responses API's: each sent as {@code event: <type>}), each
         * flushed; with a {@code gate}, event N+1 leaves only once the gate says event N reached the client.
         */
        record Events(List<String> events, GatedOpenAiStream.Gate gate) implements Reply {
            public Events(List<String> events) {
                this(events, null);
            }
        }

        record Paced(int chunks, Duration gap, int stallAfter) implements Reply {
            public Paced(int chunks, Duration gap) {
                this(chunks, gap, -1);
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger closedByClient = new java.util.concurrent.atomic.AtomicInteger();

    /** How many paced streams ended because the client (Relay) closed the connection before the stream's end. */
    public int streamsClosedByClient() {
        return closedByClient.get();
    }

    private FakeOpenAi() {
        super("/v1"); // OpenAI's SDKs name the base URL with its /v1
    }

    public static FakeOpenAi start() {
        return new FakeOpenAi();
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

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        Reply reply = nextReply();
        if (sendCanned(exchange, reply)) return;
        switch (reply) {
            case Reply.Reset r -> {
                // An exception out of the handler makes the JDK server drop the connection unanswered.
                throw new IOException("connection reset on purpose");
            }
            case Reply.Malformed m -> {
                send(exchange, 200, "application/json", "{\"id\": \"chatcmpl-1\", \"choices\": [");
                return;
            }
            case Reply.Slow s -> sleep(s.delay());
            case Reply.Paced p -> {
                paced(exchange, JSON.readTree(received.body()).path("model").asText(), p);
                return;
            }
            case Reply.Events e -> {
                events(exchange, e);
                return;
            }
            case Reply.BrokenStream b -> {
                StringBuilder sse = new StringBuilder();
                String model = JSON.readTree(received.body()).path("model").asText();
                for (int i = 0; i < b.chunks(); i++) {
                    sse.append(event(chunk(model, JSON.createObjectNode().put("content", "part" + i + " ").toString(), null)));
                }
                send(exchange, 200, "text/event-stream", sse.toString());
                return;
            }
            case null, default -> { }
        }
        String path = received.path();
        if (path.endsWith("/chat/completions")) {
            chat(exchange, JSON.readTree(received.body()), reply instanceof Reply.TruncatedStream);
        } else if (path.endsWith("/responses")) {
            response(exchange, JSON.readTree(received.body()));
        } else if (path.endsWith("/embeddings")) {
            embeddings(exchange, JSON.readTree(received.body()));
        } else if (path.endsWith("/models")) {
            send(exchange, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openai\"}]}");
        } else {
            send(exchange, 404, "application/json", errorBody("Unknown path " + path, "invalid_request_error", null));
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

    /** The Responses API's answer: {@code "Echo: <the input's last text>"}, usage 10 in, 5 out. */
    private void response(HttpExchange exchange, JsonNode request) throws IOException {
        JsonNode input = request.path("input");
        String text = input.isTextual() ? input.asText() : "";
        for (JsonNode item : input) {
            JsonNode content = item.path("content");
            if (content.isTextual()) text = content.asText();
            else if (content.isArray() && !content.isEmpty()) text = content.get(content.size() - 1).path("text").asText();
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("id", "resp_fake" + Long.toHexString(System.nanoTime())).put("object", "response").put("created_at", 1700000000)
                .put("status", "completed").put("model", request.path("model").asText());
        ObjectNode message = response.putArray("output").addObject();
        message.put("type", "message").put("id", "msg_fake").put("status", "completed").put("role", "assistant");
        message.putArray("content").addObject().put("type", "output_text").put("text", "Echo: " + text).putArray("annotations");
        response.set("previous_response_id", request.has("previous_response_id") ? request.get("previous_response_id") : JSON.nullNode());
        response.put("store", request.path("store").asBoolean(true));
        response.putObject("usage").put("input_tokens", 10).put("output_tokens", 5).put("total_tokens", 15);
        send(exchange, 200, "application/json", response.toString());
    }

    private void events(HttpExchange exchange, Reply.Events reply) throws IOException {
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0); // chunked: each event leaves when it is flushed
        try (var out = exchange.getResponseBody()) {
            for (int i = 0; i < reply.events().size(); i++) {
                if (i > 0 && reply.gate() != null) {
                    try {
                        reply.gate().awaitDelivered(reply.events().get(i - 1));
                    } catch (Exception | AssertionError e) {
                        throw new IOException("event " + (i - 1) + " was never delivered", e);
                    }
                }
                String event = reply.events().get(i);
                out.write(("event: " + JSON.readTree(event).path("type").asText() + "\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private void paced(HttpExchange exchange, String model, Reply.Paced p) throws IOException {
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0); // chunked
        var out = exchange.getResponseBody();
        try {
            for (int i = 0; i < p.chunks(); i++) {
                if (i == p.stallAfter()) {
                    while (true) { // until the client goes: a write to a closed connection fails
                        sleep(Duration.ofMillis(50));
                        out.write(":\n".getBytes(StandardCharsets.UTF_8)); // an SSE comment: no chunk for the client
                        out.flush();
                    }
                }
                if (i > 0) sleep(p.gap());
                out.write(event(chunk(model, JSON.createObjectNode().put("content", "w" + i + " ").toString(), null))
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write((event(chunk(model, "{}", "stop")) + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            out.close();
        } catch (IOException closed) {
            closedByClient.incrementAndGet();
        }
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

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
