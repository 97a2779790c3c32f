package relay.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.NativeMessages;
import relay.core.provider.ProviderCall;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ProviderHttp;

/**
 * A {@code /v1/messages} request sent to Anthropic as the client wrote it, with the deployment's model
 * and key; the client's {@code anthropic-version} and {@code anthropic-beta} go along. Answers and
 * events come back untouched. The static parts serve Claude's other hosts too (Bedrock, Vertex AI),
 * which take the same body and send the same events.
 */
public final class AnthropicPassthrough implements NativeMessages {
    private final ProviderHttp http;

    AnthropicPassthrough(ProviderHttp http) {
        this.http = http;
    }

    @Override
    public JsonNode create(ProviderCall<Request> call) {
        String label = ProviderHttp.label("anthropic", call);
        ObjectNode body = body(call, false);
        return ProviderHttp.readJson(label, call, http.postJson(label, call, AnthropicProvider.uri(call), headers(call, "application/json"), body));
    }

    @Override
    public void stream(ProviderCall<Request> call, Consumer<JsonNode> events) {
        String label = ProviderHttp.label("anthropic", call);
        InputStream body = http.postJson(label, call, AnthropicProvider.uri(call), headers(call, "text/event-stream"), body(call, true));
        readStream(label, call, body, events);
    }

    @Override
    public relay.core.wire.ChatCompletionResponse chatForm(JsonNode message) {
        return toChat(message);
    }

    /** Claude's message, from any of its hosts, as the chat path reads it (no JSON mode, no legacy functions). */
    public static relay.core.wire.ChatCompletionResponse toChat(JsonNode message) {
        return AnthropicResponses.toOpenAi(message, java.time.Instant.now().getEpochSecond(), AnswerShape.PLAIN);
    }

    /**
     * Reads a Server-Sent Events stream of Anthropic's events into {@code events}, each as it arrives, until
     * {@code message_stop}; an {@code error} event is thrown as the failure it reports, and so is a stream
     * that ends before {@code message_stop}.
     */
    public static void readStream(String label, ProviderCall<?> call, InputStream body, Consumer<JsonNode> events) {
        boolean complete = ProviderHttp.readEvents(label, call, body, event -> accept(label, call, ProviderHttp.eventObject(label, event.data()), events));
        if (!complete) throw incomplete(label);
    }

    /** Hands one event on; false after {@code message_stop}; an {@code error} event is thrown. */
    public static boolean accept(String label, ProviderCall<?> call, JsonNode event, Consumer<JsonNode> events) {
        String type = event.path("type").asText();
        if (type.equals("error")) throw error(label, event, call.apiKey());
        events.accept(event);
        return !type.equals("message_stop");
    }

    public static RelayException incomplete(String label) {
        return new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before message_stop.");
    }

    /**
     * The client's body for a host that names the model in its URL and versions the API in the body
     * (Bedrock, Vertex AI): without {@code model} and {@code stream}, with the host's {@code anthropic_version}.
     */
    public static ObjectNode hostedBody(ProviderCall<Request> call, String anthropicVersion) {
        ObjectNode body = call.request().body().deepCopy();
        body.remove("model");
        body.remove("stream");
        body.put("anthropic_version", anthropicVersion);
        return body;
    }

    private static ObjectNode body(ProviderCall<Request> call, boolean stream) {
        ObjectNode body = call.request().body().deepCopy();
        body.put("model", call.deployment().providerModel());
        if (stream) body.put("stream", true); else body.remove("stream");
        return body;
    }

    private static Map<String, String> headers(ProviderCall<Request> call, String accept) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", accept);
        headers.put("anthropic-version", AnthropicProvider.API_VERSION);
        headers.putAll(call.request().headers());
        if (call.apiKey() != null) headers.put("x-api-key", call.apiKey());
        return headers;
    }

    /** An in-stream error, with the HTTP status Anthropic gives its type, mapped like an HTTP error. */
    private static RelayException error(String label, JsonNode event, String apiKey) {
        int status = switch (event.path("error").path("type").asText()) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "overloaded_error" -> 529;
            default -> 500;
        };
        return ProviderErrors.from(label, status, event.toString().getBytes(StandardCharsets.UTF_8), null, apiKey);
    }
}
