package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
import relay.providers.http.ProviderHttp;

/**
 * What the Gemini API and Vertex AI share: the {@code generateContent} body and answer, its SSE stream.
 * Subclasses say where to send a call and how to sign it in, and how they embed.
 */
abstract class GoogleProvider implements Provider {
    /**
     * The OpenAI parameters Gemini takes. {@code parallel_tool_calls} is accepted but only {@code true}
     * is honoured: Gemini decides itself whether to call several functions at once.
     */
    static final Set<String> SUPPORTED = Set.of(
            "temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "stop", "seed",
            "presence_penalty", "frequency_penalty", "response_format", "tools", "tool_choice",
            "parallel_tool_calls", "functions", "function_call", "reasoning_effort");

    protected final ProviderHttp http;
    protected final Clock clock;
    private final Supplier<String> toolCallIds;

    GoogleProvider(ProviderHttp http, Clock clock, Supplier<String> toolCallIds) {
        this.http = http;
        this.clock = clock;
        this.toolCallIds = toolCallIds;
    }

    /** The URL of {@code method} ({@code generateContent}, {@code streamGenerateContent?alt=sse}, …) for the call's model. */
    abstract URI uri(ProviderCall<?> call, String method);

    /** The headers that sign the call in. */
    abstract Map<String, String> authHeaders(String label, ProviderCall<?> call);

    /** Called when Google refused the credentials, so a cached sign-in can be dropped. */
    void authenticationFailed(ProviderCall<?> call) {}

    @Override
    public Set<String> supportedChatParams() {
        return SUPPORTED;
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        String label = ProviderHttp.label(name(), call);
        String model = call.deployment().providerModel();
        ObjectNode body = GeminiRequests.build(call.request(), model);
        JsonNode answer = ProviderHttp.readJson(label, call, send(label, call, "generateContent", body));
        try {
            return GeminiResponses.toOpenAi(answer, model, clock.instant().getEpochSecond(), toolCallIds);
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        String label = ProviderHttp.label(name(), call);
        String model = call.deployment().providerModel();
        ObjectNode body = GeminiRequests.build(call.request(), model);
        InputStream events = send(label, call, "streamGenerateContent?alt=sse", body);
        GeminiStream stream = new GeminiStream(model, clock.instant().getEpochSecond(), toolCallIds, chunks);
        ProviderHttp.readEvents(label, call, events, event -> {
            stream.accept(parse(label, call, event.data()));
            return true; // Gemini has no end marker: read until the body ends
        });
        if (!stream.complete()) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before a finishReason.");
        stream.end();
    }

    private JsonNode parse(String label, ProviderCall<?> call, String data) {
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw ProviderHttp.malformed(label);
        }
        if (event == null || !event.isObject()) throw ProviderHttp.malformed(label);
        if (event.has("error")) throw GoogleErrors.inStream(label, event, call.apiKey());
        return event;
    }

    /** Embeds with {@code method} ({@code batchEmbedContents} or {@code predict}) and reads the answer with {@code result}. */
    EmbeddingResult embed(ProviderCall<EmbeddingRequest> call, String method, ObjectNode body,
                          BiFunction<JsonNode, Integer, EmbeddingResult> result) {
        String label = ProviderHttp.label(name(), call);
        JsonNode answer = ProviderHttp.readJson(label, call, send(label, call, method, body));
        try {
            return result.apply(answer, call.request().input().size());
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    /** POSTs to the method's URL, signed in; Google's misleading statuses corrected. */
    InputStream send(String label, ProviderCall<?> call, String method, ObjectNode body) {
        return send(label, call, uri(call, method), Map.of("accept", "application/json"), body);
    }

    /** POSTs to {@code uri} with {@code headers}, signed in; Google's misleading statuses corrected. */
    InputStream send(String label, ProviderCall<?> call, URI uri, Map<String, String> headers, ObjectNode body) {
        Map<String, String> all = new HashMap<>(authHeaders(label, call));
        all.putAll(headers);
        try {
            return http.postJson(label, call, uri, all, body);
        } catch (RelayException e) {
            RelayException refined = GoogleErrors.refine(e);
            if (refined.kind() == ErrorKind.AUTHENTICATION) authenticationFailed(call);
            throw refined;
        }
    }

    /** {@code base + path} as a URI; a base that makes no URL is the deployment's config error. */
    static URI uri(ProviderCall<?> call, String base, String path) {
        try {
            URI uri = URI.create(base + path);
            if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException("no host");
            return uri;
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    /** A model id as a URL path segment: Google's ids are plain, so anything else is a config mistake. */
    static String model(ProviderCall<?> call) {
        String model = call.deployment().providerModel().replaceFirst("^models/", "");
        if (!model.matches("[A-Za-z0-9._@-]+")) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The model of deployment " + call.deployment().id()
                    + " is not a Google model id.", "model");
        }
        return model;
    }
}
