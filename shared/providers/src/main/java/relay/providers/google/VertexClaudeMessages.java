package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.provider.Deployment;
import relay.core.provider.NativeMessages;
import relay.core.provider.ProviderCall;
import relay.providers.anthropic.AnthropicPassthrough;
import relay.providers.http.ProviderHttp;

/**
 * Anthropic's Messages API on Vertex AI, for Claude models: the client's {@code /v1/messages} body goes
 * to {@code publishers/anthropic/models/{model}:rawPredict} (or {@code :streamRawPredict}) as Vertex takes
 * it (no {@code model}, its {@code anthropic_version}; the client's {@code anthropic-beta} header goes
 * along), signed in as every Vertex call is. Answers and Server-Sent Events are Anthropic's, untouched.
 */
final class VertexClaudeMessages implements NativeMessages {
    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

    private final VertexProvider vertex;

    VertexClaudeMessages(VertexProvider vertex) {
        this.vertex = vertex;
    }

    /** Claude's model ids on Vertex: {@code claude-sonnet-4-5@20250929}, {@code claude-3-5-haiku@20241022}, … */
    static boolean servesClaude(Deployment deployment) {
        return deployment.providerModel().toLowerCase(Locale.ROOT).startsWith("claude");
    }

    @Override
    public relay.core.wire.ChatCompletionResponse chatForm(JsonNode message) {
        return AnthropicPassthrough.toChat(message);
    }

    @Override
    public JsonNode create(ProviderCall<Request> call) {
        String label = ProviderHttp.label(vertex.name(), call);
        InputStream answer = vertex.send(label, call, vertex.publisherUri(call, "anthropic", "rawPredict"), headers(call, "application/json"),
                AnthropicPassthrough.hostedBody(call, ANTHROPIC_VERSION));
        return ProviderHttp.readJson(label, call, answer);
    }

    @Override
    public void stream(ProviderCall<Request> call, Consumer<JsonNode> events) {
        String label = ProviderHttp.label(vertex.name(), call);
        ObjectNode body = AnthropicPassthrough.hostedBody(call, ANTHROPIC_VERSION).put("stream", true);
        InputStream stream = vertex.send(label, call, vertex.publisherUri(call, "anthropic", "streamRawPredict"), headers(call, "text/event-stream"), body);
        AnthropicPassthrough.readStream(label, call, stream, events);
    }

    private static Map<String, String> headers(ProviderCall<Request> call, String accept) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", accept);
        String beta = call.request().headers().get("anthropic-beta");
        if (beta != null && !beta.isBlank()) headers.put("anthropic-beta", beta);
        return headers;
    }
}
