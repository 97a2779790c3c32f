package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback server that speaks Cohere's v2 API ({@code /v2/chat}, streamed as typed SSE events, and
 * {@code /v2/embed}), records what it received, and fails on cue. Chat answers {@code "Echo: <last user
 * message>"}; with tools and a user turn last it calls the first tool with {@code {"city":"Paris"}};
 * after a tool result it answers {@code "Tool said: <result>"}.
 */
public final class FakeCohere extends FakeProviderServer<FakeCohere.Reply> {
    /** One scripted reply, used once, in order; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** A status with a body (Cohere's errors are {@code {"message": "..."}}). */
        record Status(int status, String body) implements Reply, Canned {}

        /** A 200 whose body is not JSON. */
        record Malformed() implements Reply {}

        /** A stream that stops after its first events, without message-end. */
        record TruncatedStream() implements Reply {}
    }

    private FakeCohere() {}

    public static FakeCohere start() {
        return new FakeCohere();
    }

    public static String errorBody(String message) {
        return JSON.createObjectNode().put("id", "err-fake").put("message", message).toString();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        Reply reply = nextReply();
        if (sendCanned(exchange, reply)) return;
        if (reply instanceof Reply.Malformed) {
            send(exchange, 200, "application/json", "{\"id\": \"x\", \"message\": {");
            return;
        }
        switch (received.path()) {
            case "/v2/chat" -> chat(exchange, JSON.readTree(received.body()), reply instanceof Reply.TruncatedStream);
            case "/v2/embed" -> embed(exchange, JSON.readTree(received.body()));
            default -> send(exchange, 404, "application/json", errorBody("Unknown path " + received.path()));
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
}
