package relay.providers.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderHttp;
import relay.providers.openai.OpenAiProvider;

/**
 * Hugging Face. Chat goes to an OpenAI-compatible API, so it is {@link OpenAiProvider}'s work under
 * this provider's name: by default the Inference Providers router ({@code https://router.huggingface.co/v1});
 * with {@code api_base}, an Inference Endpoint or a TGI server (its Messages API, {@code /v1/chat/completions}).
 * Embeddings use the feature-extraction pipeline: the router's
 * {@code /hf-inference/models/{model}/pipeline/feature-extraction}, or, with {@code api_base}, that URL
 * itself (an Inference Endpoint's URL, or a TEI server's {@code …/embed}), each taking {@code {"inputs": [...]}}.
 */
public final class HuggingFaceProvider implements Provider {
    public static final String ROUTER = "https://router.huggingface.co";

    private final ProviderHttp http;
    private final OpenAiProvider chat;
    private final String router;

    public HuggingFaceProvider(HttpClient http) {
        this(http, ROUTER);
    }

    /** With another router root (tests point it at a fake). */
    HuggingFaceProvider(HttpClient http, String router) {
        this.http = new ProviderHttp(http);
        this.router = router;
        this.chat = new OpenAiProvider(http, name(), router + "/v1", defaultKeyName());
    }

    @Override
    public String name() { return "huggingface"; }

    @Override
    public String defaultKeyName() { return "HUGGINGFACE_API_KEY"; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        return chat.chat(routed(call));
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        chat.streamChat(routed(call), chunks);
    }

    /** The call with the model and base the OpenAI-compatible API expects (see {@link #chatModel} and {@link #chatBase}). */
    private static ProviderCall<ChatCompletionRequest> routed(ProviderCall<ChatCompletionRequest> call) {
        Deployment d = call.deployment();
        Deployment routed = new Deployment(d.modelGroup(), d.provider(), chatModel(d.providerModel(), d.apiBase()),
                chatBase(d.apiBase()), d.apiKey(), d.timeout(), d.options());
        return new ProviderCall<>(routed, call.request(), call.apiKey(), call.timeout(), call.limits());
    }

    /**
     * LiteLLM's {@code huggingface/<provider>/<org>/<model>} names an inference provider; the router
     * takes that as {@code <org>/<model>:<provider>}. Hub ids are {@code org/model}, so a third segment
     * can only be the provider. Other names, and any name sent to an {@code api_base}, are kept.
     */
    static String chatModel(String model, String apiBase) {
        if (apiBase != null && !apiBase.isBlank()) return model;
        String[] parts = model.split("/", -1);
        if (parts.length != 3 || model.contains(":")) return model;
        return parts[1] + "/" + parts[2] + ":" + parts[0];
    }

    /**
     * An endpoint given by its bare host (as Inference Endpoints show it) gets TGI's {@code /v1};
     * a pasted {@code …/v1/chat/completions} loses the path OpenAI's client adds itself; any other
     * base is used as it is. Null keeps the router.
     */
    static String chatBase(String apiBase) {
        if (apiBase == null || apiBase.isBlank()) return null;
        String base = apiBase.strip();
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        if (base.endsWith("/chat/completions")) return base.substring(0, base.length() - "/chat/completions".length());
        try {
            String path = URI.create(base).getPath();
            return path == null || path.isEmpty() ? base + "/v1" : base;
        } catch (IllegalArgumentException e) {
            return base; // OpenAiProvider reports the invalid URL
        }
    }

    // ---- embeddings ----

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        EmbeddingRequest request = call.request();
        if (request.tokenInput()) {
            throw RelayException.invalid("input", "Hugging Face embeds text only; send 'input' as strings, not token ids.");
        }
        if (request.dimensions() != null) {
            throw RelayException.invalid("dimensions", "Hugging Face's feature-extraction API has no 'dimensions'; the model decides the size.");
        }
        String label = ProviderHttp.label(name(), call);
        ObjectNode body = Json.object();
        ArrayNode inputs = body.putArray("inputs");
        request.input().forEach(inputs::add);
        JsonNode answer = ProviderHttp.readJson(label, call, http.postJson(label, call, embeddingUri(call), headers(call), body));
        List<float[]> vectors = vectors(label, answer, request.input().size());
        int tokens = request.input().stream().mapToInt(Completions::estimateTokens).sum(); // the API reports no token counts
        return new EmbeddingResult(vectors, tokens);
    }

    private URI embeddingUri(ProviderCall<?> call) {
        String apiBase = call.deployment().apiBase();
        String url = apiBase == null || apiBase.isBlank()
                ? router + "/hf-inference/models/" + call.deployment().providerModel() + "/pipeline/feature-extraction"
                : apiBase.strip();
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base or model of deployment " + call.deployment().id()
                    + " does not make a valid URL.");
        }
    }

    /** One vector per input; token-level features (a matrix per input) mean the model is no sentence embedder. */
    static List<float[]> vectors(String label, JsonNode answer, int expected) {
        if (!answer.isArray() || answer.size() != expected) throw ProviderHttp.malformed(label);
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode vector : answer) {
            if (!vector.isArray() || vector.isEmpty()) throw ProviderHttp.malformed(label);
            if (!vector.get(0).isNumber()) {
                throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " returned token-level features, not one vector"
                        + " per input; use a sentence-embedding model.");
            }
            float[] v = new float[vector.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) vector.get(i).asDouble();
            vectors.add(v);
        }
        return vectors;
    }

    private static Map<String, String> headers(ProviderCall<?> call) {
        return call.apiKey() == null ? Map.of("accept", "application/json")
                : Map.of("accept", "application/json", "authorization", "Bearer " + call.apiKey());
    }
}
