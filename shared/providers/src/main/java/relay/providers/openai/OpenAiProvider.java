package relay.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
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
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.NativeResponses;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ProviderHttp;

/**
 * OpenAI's chat completions and embeddings API. With {@code api_base} it serves any host that speaks
 * the same API. The request body passes through as the client sent it (unknown fields included), with
 * the deployment's model name and without Relay's own fields.
 *
 * <p>Hosts that speak OpenAI's API with small differences (Azure's URLs and header, OpenRouter's
 * headers, compatible hosts' parameter names and response quirks) extend it and override the
 * protected hooks: {@link #uri}, {@link #headers}, {@link #chatBody}, {@link #embeddingBody},
 * {@link #toResponse} and {@link #chunkParser}. The HTTP and streaming code stays here, once.
 */
public class OpenAiProvider implements Provider {
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

    /** Only a host with a public default address: not Azure (none), nor Ollama or LM Studio (this machine). */
    @Override
    public boolean reachableWithoutConfig() {
        return ProviderHttp.publicAddress(defaultApiBase);
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = chatBody(call);
        body.remove("stream");
        body.remove("stream_options"); // OpenAI rejects it without stream: true
        String label = label(call);
        JsonNode answer = ProviderHttp.readJson(label, call, post(call, "/chat/completions", body));
        failOnErrorBody(label, call, answer);
        try {
            return toResponse(call, answer);
        } catch (IOException | RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        ObjectNode body = chatBody(call);
        body.put("stream", true);
        includeUsage(body);
        String label = label(call);
        readStream(label, call, post(call, "/chat/completions", body), chunkParser(call), chunks);
    }

    /** Always asks for usage so the request log has token counts; the gateway hides it if the client did not ask. */
    protected static void includeUsage(ObjectNode body) {
        ObjectNode streamOptions = body.get("stream_options") instanceof ObjectNode clientOptions
                ? clientOptions : body.putObject("stream_options"); // keep the client's other options
        streamOptions.put("include_usage", true);
    }

    /** Turns one stream event's JSON into the chunks to pass on (none, one, or more). */
    @FunctionalInterface
    protected interface ChunkParser {
        List<ChatCompletionChunk> parse(JsonNode event) throws IOException;
    }

    /**
     * Reads an OpenAI-style event stream up to {@code [DONE]}, passing each event's chunks on in order.
     * An error event, unreadable JSON, a broken connection or a stream without {@code [DONE]} fail as
     * the provider's fault, after the chunks that arrived.
     */
    protected static void readStream(String label, ProviderCall<?> call, InputStream events, ChunkParser parser,
                                     Consumer<ChatCompletionChunk> chunks) {
        boolean complete = ProviderHttp.readEvents(label, call, events, event -> {
            if (event.data().equals("[DONE]")) return false;
            parseEvent(label, call, event.data(), parser).forEach(chunks);
            return true;
        });
        if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before [DONE].");
    }

    private static List<ChatCompletionChunk> parseEvent(String label, ProviderCall<?> call, String data, ChunkParser parser) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw ProviderHttp.malformed(label);
        }
        if (node == null) throw ProviderHttp.malformed(label);
        failOnErrorBody(label, call, node);
        try {
            return parser.parse(node);
        } catch (IOException | RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    /**
     * OpenAI itself and Azure OpenAI speak the Responses API; the hosts that only share OpenAI's chat API
     * (OpenRouter, Groq, ...) get a Responses request through chat.
     */
    @Override
    public NativeResponses nativeResponses(Deployment deployment) {
        return name.equals("openai") || name.equals("azure") ? responses : null;
    }

    private final NativeResponses responses = new NativeResponses() {
        @Override
        public JsonNode create(ProviderCall<ObjectNode> call) {
            ObjectNode body = responsesBody(call);
            body.remove("stream");
            body.remove("stream_options");
            String label = label(call);
            JsonNode answer = ProviderHttp.readJson(label, call, post(call, "/responses", body));
            failOnErrorBody(label, call, answer);
            return answer;
        }

        @Override
        public void stream(ProviderCall<ObjectNode> call, Consumer<JsonNode> events) {
            ObjectNode body = responsesBody(call);
            body.put("stream", true);
            String label = label(call);
            InputStream stream = post(call, "/responses", body);
            boolean complete = ProviderHttp.readEvents(label, call, stream, event -> {
                if (event.data().equals("[DONE]")) return false;
                JsonNode node = ProviderHttp.eventObject(label, event.data());
                String type = node.path("type").asText();
                if (type.equals("error")) {
                    throw ProviderErrors.from(label, 500, node.toString().getBytes(StandardCharsets.UTF_8), null, call.apiKey());
                }
                events.accept(node);
                return !RESPONSE_ENDS.contains(type);
            });
            if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before the response's last event.");
        }
    };

    /** The events that end a Responses stream. */
    private static final java.util.Set<String> RESPONSE_ENDS = java.util.Set.of("response.completed", "response.incomplete", "response.failed");

    /** The Responses body to send (a fresh copy): the client's, with the deployment's model. */
    protected ObjectNode responsesBody(ProviderCall<ObjectNode> call) {
        ObjectNode body = call.request().deepCopy();
        body.put("model", call.deployment().providerModel());
        return body;
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        ObjectNode body = embeddingBody(call);
        String label = label(call);
        JsonNode root = ProviderHttp.readJson(label, call, post(call, "/embeddings", body));
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

    /**
     * Fails on an error sent with HTTP 200 (in a stream, or as a whole body: OpenRouter does both once a
     * model has started), with the HTTP status the error's numeric {@code code} names, else 500.
     */
    protected static void failOnErrorBody(String label, ProviderCall<?> call, JsonNode node) {
        JsonNode error = node.get("error");
        if (error == null || error.isNull()) return;
        int code = error.path("code").asInt(0);
        int status = error.path("code").isIntegralNumber() && code >= 400 && code <= 599 ? code : 500;
        throw ProviderErrors.from(label, status, node.toString().getBytes(StandardCharsets.UTF_8), null, call.apiKey());
    }

    // ---- hooks for hosts that speak OpenAI's API with differences ----

    /** {@code provider (model)}, the prefix of every message about a call. */
    protected final String label(ProviderCall<?> call) {
        return ProviderHttp.label(name, call);
    }

    /** POSTs {@code body} to {@code path} (such as {@code /chat/completions}) of this call's host. */
    protected final InputStream post(ProviderCall<?> call, String path, ObjectNode body) {
        String label = label(call);
        return http.postJson(label, call, uri(call, path), headers(call), body);
    }

    /** The URL of {@code path} for this call: {@code api_base} (or the default) followed by the path. */
    protected URI uri(ProviderCall<?> call, String path) {
        return validUri(call, ProviderHttp.base(call, defaultApiBase) + path);
    }

    /** {@code url} as a URI, or a 400 naming the deployment whose {@code api_base} made it invalid. */
    protected static URI validUri(ProviderCall<?> call, String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    /** The request headers, authentication included. */
    protected Map<String, String> headers(ProviderCall<?> call) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", "application/json");
        if (call.apiKey() != null) headers.put("authorization", "Bearer " + call.apiKey());
        return headers;
    }

    /** The chat body to send (a fresh copy the caller may change): the client's, with the deployment's model. */
    protected ObjectNode chatBody(ProviderCall<ChatCompletionRequest> call) {
        return call.request().providerBody(call.deployment().providerModel());
    }

    /** The embeddings body to send (a fresh copy the caller may change); vectors come back as base64 or floats. */
    protected ObjectNode embeddingBody(ProviderCall<EmbeddingRequest> call) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.put("encoding_format", "base64"); // a quarter of the bytes of JSON floats
        return body;
    }

    /** Reads a chat answer; a failure here is reported as an unreadable response. */
    protected ChatCompletionResponse toResponse(ProviderCall<ChatCompletionRequest> call, JsonNode answer) throws IOException {
        return Json.MAPPER.treeToValue(answer, ChatCompletionResponse.class);
    }

    /** How one stream's events become chunks; called once per stream, so the parser may keep state. */
    protected ChunkParser chunkParser(ProviderCall<ChatCompletionRequest> call) {
        return event -> List.of(Json.MAPPER.treeToValue(event, ChatCompletionChunk.class));
    }
}
