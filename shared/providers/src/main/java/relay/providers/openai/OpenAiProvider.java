package relay.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ProviderHttp;
import relay.providers.http.ServerSentEvents;

/**
 * OpenAI's chat completions and embeddings API. With {@code api_base} it serves any host that speaks
 * the same API. The request body passes through as the client sent it (unknown fields included), with
 * the deployment's model name and without Relay's own fields.
 */
public final class OpenAiProvider implements Provider {
    public static final String DEFAULT_API_BASE = "https://api.openai.com/v1";

    private final ProviderHttp http;
    private final String name;
    private final String defaultApiBase;
    private final String defaultKeyName;

    public OpenAiProvider(java.net.http.HttpClient http) {
        this(http, "openai", DEFAULT_API_BASE, "OPENAI_API_KEY");
    }

    /** An OpenAI-compatible host under its own prefix, base URL and key name. */
    public OpenAiProvider(java.net.http.HttpClient http, String name, String defaultApiBase, String defaultKeyName) {
        this.http = new ProviderHttp(http);
        this.name = name;
        this.defaultApiBase = defaultApiBase;
        this.defaultKeyName = defaultKeyName;
    }

    @Override
    public String name() { return name; }

    @Override
    public String defaultKeyName() { return defaultKeyName; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.remove("stream");
        body.remove("stream_options"); // OpenAI rejects it without stream: true
        String label = ProviderHttp.label(name, call);
        JsonNode answer = ProviderHttp.readJson(label, http.postJson(label, call, uri(call, "/chat/completions"), headers(call), body));
        try {
            return Json.MAPPER.treeToValue(answer, ChatCompletionResponse.class);
        } catch (IOException | RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.put("stream", true);
        // Always ask for usage so the request log has token counts; the gateway hides it if the client did not ask.
        ObjectNode streamOptions = body.get("stream_options") instanceof ObjectNode clientOptions
                ? clientOptions : body.putObject("stream_options"); // keep the client's other options
        streamOptions.put("include_usage", true);
        String label = ProviderHttp.label(name, call);
        InputStream events = http.postJson(label, call, uri(call, "/chat/completions"), headers(call), body);
        boolean complete;
        try {
            complete = ServerSentEvents.read(events, event -> {
                if (event.data().equals("[DONE]")) return false;
                chunks.accept(parseChunk(label, call, event.data()));
                return true;
            });
        } catch (UncheckedIOException e) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " broke off its stream: " + e.getCause().getMessage());
        }
        if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before [DONE].");
    }

    private static ChatCompletionChunk parseChunk(String label, ProviderCall<?> call, String data) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw ProviderHttp.malformed(label);
        }
        if (node.has("error")) {
            throw ProviderErrors.from(label, 500, data.getBytes(StandardCharsets.UTF_8), null, call.apiKey());
        }
        try {
            return Json.MAPPER.treeToValue(node, ChatCompletionChunk.class);
        } catch (IOException | RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.put("encoding_format", "base64"); // a quarter of the bytes of JSON floats
        String label = ProviderHttp.label(name, call);
        JsonNode root = ProviderHttp.readJson(label, http.postJson(label, call, uri(call, "/embeddings"), headers(call), body));
        try {
            JsonNode data = root.path("data");
            float[][] vectors = new float[data.size()][];
            for (JsonNode item : data) vectors[item.path("index").asInt()] = vector(item.path("embedding"));
            List<float[]> ordered = List.of(vectors); // throws on a missing index
            return new EmbeddingResult(ordered, root.path("usage").path("prompt_tokens").asInt(0));
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    /** An OpenAI embedding, given as float array or as base64 of little-endian float32. */
    public static float[] vector(JsonNode embedding) {
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[bytes.remaining() / Float.BYTES];
            for (int i = 0; i < v.length; i++) v[i] = bytes.getFloat();
            return v;
        }
        if (!embedding.isArray()) throw new IllegalArgumentException("not an embedding");
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) embedding.get(i).asDouble();
        return v;
    }

    private URI uri(ProviderCall<?> call, String path) {
        try {
            return URI.create(ProviderHttp.base(call, defaultApiBase) + path);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    private static Map<String, String> headers(ProviderCall<?> call) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", "application/json");
        if (call.apiKey() != null) headers.put("authorization", "Bearer " + call.apiKey());
        return headers;
    }
}
