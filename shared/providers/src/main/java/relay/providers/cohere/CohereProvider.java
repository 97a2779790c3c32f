package relay.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
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
 * Cohere's v2 API: chat ({@code POST /v2/chat}, streamed as typed SSE events) and embeddings
 * ({@code POST /v2/embed}). {@code api_base} is the host ({@code https://api.cohere.com}); a base
 * that ends in {@code /v1} or {@code /v2} is accepted too.
 */
public final class CohereProvider implements Provider {
    public static final String DEFAULT_API_BASE = "https://api.cohere.com";

    static final Set<String> SUPPORTED_PARAMS = Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens",
            "stop", "seed", "presence_penalty", "frequency_penalty", "response_format", "tools", "tool_choice",
            "functions", "function_call");

    private final ProviderHttp http;
    private final Clock clock;

    public CohereProvider(HttpClient http, Clock clock) {
        this.http = new ProviderHttp(http);
        this.clock = clock;
    }

    @Override
    public String name() { return "cohere"; }

    @Override
    public String defaultKeyName() { return "COHERE_API_KEY"; }

    @Override
    public Set<String> supportedChatParams() { return SUPPORTED_PARAMS; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        String model = call.deployment().providerModel();
        ObjectNode body = CohereRequests.chat(call.request(), model);
        String label = ProviderHttp.label(name(), call);
        JsonNode answer = ProviderHttp.readJson(label, call, http.postJson(label, call, uri(call, "/v2/chat"), headers(call, "application/json"), body));
        try {
            return CohereResponses.chat(answer, model, clock.instant().getEpochSecond(), CohereRequests.usesLegacyFunctions(call.request()));
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        String model = call.deployment().providerModel();
        ObjectNode body = CohereRequests.chat(call.request(), model);
        body.put("stream", true);
        String label = ProviderHttp.label(name(), call);
        InputStream events = http.postJson(label, call, uri(call, "/v2/chat"), headers(call, "text/event-stream"), body);
        CohereStream stream = new CohereStream(model, clock.instant().getEpochSecond(),
                CohereRequests.usesLegacyFunctions(call.request()), chunks);
        boolean complete = ProviderHttp.readEvents(label, call, events, event -> stream.accept(ProviderHttp.eventObject(label, event.data())));
        if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before message-end.");
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        EmbeddingRequest request = call.request();
        if (request.tokenInput()) {
            throw RelayException.invalid("input", "Cohere embeds text only; send 'input' as strings, not token ids.");
        }
        String label = ProviderHttp.label(name(), call);
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        List<String> texts = request.input();
        for (int from = 0; from < texts.size(); from += CohereRequests.MAX_TEXTS_PER_EMBED) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + CohereRequests.MAX_TEXTS_PER_EMBED));
            ObjectNode body = CohereRequests.embed(request, call.deployment().providerModel(), batch);
            JsonNode answer = ProviderHttp.readJson(label, call, http.postJson(label, call, uri(call, "/v2/embed"), headers(call, "application/json"), body));
            try {
                List<float[]> batchVectors = CohereResponses.embeddings(answer);
                if (batchVectors.size() != batch.size()) throw ProviderHttp.malformed(label);
                vectors.addAll(batchVectors);
                tokens += CohereResponses.embedTokens(answer);
            } catch (IllegalArgumentException e) {
                throw ProviderHttp.malformed(label);
            }
        }
        return new EmbeddingResult(vectors, tokens);
    }

    private static URI uri(ProviderCall<?> call, String path) {
        String base = ProviderHttp.base(call, DEFAULT_API_BASE);
        if (base.endsWith("/v1") || base.endsWith("/v2")) base = base.substring(0, base.length() - 3);
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    private static Map<String, String> headers(ProviderCall<?> call, String accept) {
        return call.apiKey() == null ? Map.of("accept", accept)
                : Map.of("accept", accept, "authorization", "Bearer " + call.apiKey());
    }
}
