package relay.providers.google;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderHttp;

/**
 * Google's Gemini API (AI Studio), prefix {@code gemini/}: {@code generateContent} with the key in
 * {@code x-goog-api-key} (never in the URL, where logs would keep it). An {@code api_base} may end in
 * its API version ({@code …/v1beta}, as LiteLLM's does) or stop at the host.
 */
public final class GeminiProvider extends GoogleProvider {
    public static final String DEFAULT_API_BASE = "https://generativelanguage.googleapis.com";
    static final String DEFAULT_VERSION = "/v1beta";

    public GeminiProvider(HttpClient http, Clock clock) {
        this(http, clock, ToolCallIds.RANDOM_IDS);
    }

    GeminiProvider(HttpClient http, Clock clock, Supplier<String> toolCallIds) {
        super(new ProviderHttp(http), clock, toolCallIds);
    }

    @Override
    public String name() { return "gemini"; }

    @Override
    public String defaultKeyName() { return "GEMINI_API_KEY"; }

    @Override
    URI uri(ProviderCall<?> call, String method) {
        String base = ProviderHttp.base(call, DEFAULT_API_BASE);
        String versioned = base.matches(".*/v\\d+(alpha|beta)?\\d*$") ? base : base + DEFAULT_VERSION;
        return uri(call, versioned, "/models/" + model(call) + ":" + method);
    }

    @Override
    Map<String, String> authHeaders(String label, ProviderCall<?> call) {
        return call.apiKey() == null ? Map.of() : Map.of("x-goog-api-key", call.apiKey());
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        return embed(call, "batchEmbedContents", GoogleEmbeddings.geminiRequest(call.request(), model(call)),
                GoogleEmbeddings::geminiResult);
    }
}
