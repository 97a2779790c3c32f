package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A real HTTP server that speaks Bedrock Runtime's Converse, ConverseStream (binary event-stream
 * frames with correct CRCs) and InvokeModel (Titan and Cohere embeddings) on loopback, records what it
 * received, and fails on cue as Bedrock does. A chat answer is {@code "Echo: <last user turn's text>"}.
 */
public final class FakeBedrock extends FakeProviderServer<FakeBedrock.Reply> {
    /** One scripted reply, used once, in the order enqueued; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** An HTTP error as Bedrock sends it: status, {@code x-amzn-ErrorType} and {@code {"message"}}. */
        record Error(int status, String errorType, String message) implements Reply {}

        /** A 200 with this JSON body (a Converse or InvokeModel answer). */
        record Body(String json) implements Reply {}

        /** A stream of these events, each given as {@code {"<eventType>": payload}} (the fixtures' shape). */
        record Events(List<String> events) implements Reply {}

        /** The normal stream's first {@code after} events, then an exception message. */
        record StreamException(int after, String exceptionType, String message) implements Reply {}

        /** The normal stream cut off after its first two events (no messageStop). */
        record Truncated() implements Reply {}

        /** The normal stream with one payload byte flipped in its second frame (a bad message CRC). */
        record Corrupt() implements Reply {}
    }

    private FakeBedrock() {
        super("", PathForm.AS_SENT); // model IDs travel percent-encoded (":" as %3A), and the tests check them so
    }

    public static FakeBedrock start() {
        return new FakeBedrock();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        String body = received.body();
        String path = received.path();
        Reply reply = nextReply();
        switch (reply) {
            case Reply.Error e -> {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", e.errorType() + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
                send(exchange, e.status(), "application/json", JSON.createObjectNode().put("message", e.message()).toString());
                return;
            }
            case Reply.Body b -> {
                send(exchange, 200, "application/json", b.json());
                return;
            }
            case Reply.Events e -> {
                sendStream(exchange, e.events().stream().map(FakeBedrock::eventFrame).toList());
                return;
            }
            case null, default -> { }
        }
        JsonNode request = body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
        if (path.endsWith("/converse")) {
            send(exchange, 200, "application/json", converse(request).toString());
        } else if (path.endsWith("/converse-stream")) {
            List<byte[]> frames = new ArrayList<>(stream(request).stream().map(FakeBedrock::eventFrame).toList());
            switch (reply) {
                case Reply.StreamException x -> {
                    frames = new ArrayList<>(frames.subList(0, x.after()));
                    frames.add(exceptionFrame(x.exceptionType(), x.message()));
                }
                case Reply.Truncated t -> frames = frames.subList(0, 2);
                case Reply.Corrupt c -> frames.get(1)[frames.get(1).length - 6] ^= 0x20;
                case null, default -> { }
            }
            sendStream(exchange, frames);
        } else if (path.endsWith("/invoke")) {
            send(exchange, 200, "application/json", embed(path, request).toString());
        } else {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", "UnknownOperationException");
            send(exchange, 404, "application/json", "{\"message\":\"Unknown operation\"}");
        }
    }

    private static ObjectNode converse(JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        ObjectNode message = response.putObject("output").putObject("message");
        message.put("role", "assistant");
        message.putArray("content").addObject().put("text", "Echo: " + lastUserText(request));
        response.put("stopReason", "end_turn");
        response.putObject("usage").put("inputTokens", 10).put("outputTokens", 5).put("totalTokens", 15);
        response.putObject("metrics").put("latencyMs", 42);
        return response;
    }

    /** The normal stream, as fixture-shaped events: the echo text a word at a time. */
    private static List<String> stream(JsonNode request) {
        List<String> events = new ArrayList<>();
        events.add("{\"messageStart\":{\"role\":\"assistant\"}}");
        for (String word : ("Echo: " + lastUserText(request)).split("(?<= )")) {
            ObjectNode delta = JSON.createObjectNode();
            delta.putObject("contentBlockDelta").put("contentBlockIndex", 0).putObject("delta").put("text", word);
            events.add(delta.toString());
        }
        events.add("{\"contentBlockStop\":{\"contentBlockIndex\":0}}");
        events.add("{\"messageStop\":{\"stopReason\":\"end_turn\"}}");
        events.add("{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":5,\"totalTokens\":15},\"metrics\":{\"latencyMs\":42}}}");
        return events;
    }

    private static ObjectNode embed(String path, JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        if (path.contains("cohere")) {
            ArrayNode embeddings = response.putArray("embeddings");
            for (JsonNode text : request.path("texts")) {
                ArrayNode vector = embeddings.addArray();
                for (float f : vectorFor(text.asText())) vector.add(f);
            }
            response.put("id", "emb-fake").put("response_type", "embeddings_floats");
            response.set("texts", request.path("texts"));
            return response;
        }
        ArrayNode vector = response.putArray("embedding");
        for (float f : vectorFor(request.path("inputText").asText())) vector.add(f);
        response.put("inputTextTokenCount", 3);
        return response;
    }

    /** The vector this server returns for {@code text}: three values derived from its length and first character. */
    public static float[] vectorFor(String text) {
        return new float[] {text.length(), text.isEmpty() ? 0 : text.charAt(0), 0.5f};
    }

    /** The last user turn's text: its text blocks and tool results' text, joined by spaces. */
    private static String lastUserText(JsonNode request) {
        String text = "";
        for (JsonNode message : request.path("messages")) {
            if (!"user".equals(message.path("role").asText())) continue;
            List<String> parts = new ArrayList<>();
            for (JsonNode block : message.path("content")) {
                if (block.path("text").isTextual()) parts.add(block.path("text").asText());
                for (JsonNode result : block.path("toolResult").path("content")) {
                    if (result.path("text").isTextual()) parts.add(result.path("text").asText());
                }
            }
            text = String.join(" ", parts);
        }
        return text;
    }

    // ---- event-stream encoding ----

    /** An event message from a fixture-shaped line {@code {"<eventType>": payload}}. */
    public static byte[] eventFrame(String wrappedEvent) {
        try {
            JsonNode node = JSON.readTree(wrappedEvent);
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            Map.Entry<String, JsonNode> only = fields.next();
            return event(only.getKey(), only.getValue().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] event(String eventType, String payloadJson) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return frame(headers, payloadJson.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] exceptionFrame(String exceptionType, String message) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return frame(headers, JSON.createObjectNode().put("message", message).toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One event-stream message with string headers (type 7): prelude, prelude CRC, headers, payload, message CRC. */
    public static byte[] frame(Map<String, String> headers, byte[] payload) {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            encoded.write(n.length);
            encoded.writeBytes(n);
            encoded.write(7);
            encoded.write(v.length >>> 8);
            encoded.write(v.length & 0xff);
            encoded.writeBytes(v);
        });
        byte[] headerBytes = encoded.toByteArray();
        int total = 16 + headerBytes.length + payload.length;
        ByteBuffer message = ByteBuffer.allocate(total);
        message.putInt(total).putInt(headerBytes.length);
        message.putInt((int) crc(message.array(), 8));
        message.put(headerBytes).put(payload);
        message.putInt((int) crc(message.array(), total - 4));
        return message.array();
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    private static void sendStream(HttpExchange exchange, List<byte[]> frames) throws IOException {
        exchange.getResponseHeaders().set("content-type", "application/vnd.amazon.eventstream");
        exchange.getResponseHeaders().set("x-amzn-bedrock-content-type", "application/json");
        exchange.sendResponseHeaders(200, 0); // chunked, as Bedrock streams
        try (OutputStream out = exchange.getResponseBody()) {
            for (byte[] frame : frames) {
                out.write(frame);
                out.flush();
            }
        }
    }
}
