package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;

/**
 * A loopback server that speaks Hugging Face's APIs: the router's (and TGI's) OpenAI-compatible
 * {@code …/v1/chat/completions}, streamed or not, and feature extraction ({@code …/pipeline/feature-extraction}
 * and TEI's {@code /embed}, both {@code {"inputs": [...]}} -> one vector per input). Chat answers
 * {@code "Echo: <last user message>"}; with tools and a user turn last it calls the first tool with
 * {@code {"city":"Paris"}}; after a tool result it answers {@code "Tool said: <result>"}. Hugging Face's
 * errors are {@code {"error": "..."}}.
 */
public final class FakeHuggingFace extends FakeProviderServer<FakeHuggingFace.Reply> {
    public sealed interface Reply {
        /** The next request gets this status and body. */
        record Status(int status, String body) implements Reply, Canned {}

        /** The next feature extraction returns token-level features (a matrix per input). */
        record TokenFeatures() implements Reply {}
    }

    private FakeHuggingFace() {}

    public static FakeHuggingFace start() {
        return new FakeHuggingFace();
    }

    /** The server's root, standing in for {@code https://router.huggingface.co} or an endpoint's host. */
    public String rootUrl() {
        return origin();
    }

    public static String errorBody(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        Reply reply = nextReply();
        if (sendCanned(exchange, reply)) return;
        String path = received.path();
        if (path.endsWith("/v1/chat/completions")) {
            chat(exchange, JSON.readTree(received.body()));
        } else if (path.endsWith("/pipeline/feature-extraction") || path.endsWith("/embed")) {
            features(exchange, JSON.readTree(received.body()), reply instanceof Reply.TokenFeatures);
        } else {
            send(exchange, 404, "application/json", errorBody("Not Found"));
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
}
