package relay.providers.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.compatible.OpenAiCompatible;
import relay.providers.openai.OpenAiProvider;

/**
 * Azure OpenAI ({@code azure/<deployment-name>}): OpenAI's API and models behind a per-resource
 * endpoint. The deployment is named in the URL (see {@link AzureUrls}), the key travels in the
 * {@code api-key} header, and the body is OpenAI's without {@code model}. A prompt rejected by Azure's
 * content filter (400, {@code code: content_filter}) is {@code CONTENT_POLICY}; a filtered answer
 * arrives as {@code finish_reason: content_filter} and passes through. The stream's prompt-filter
 * event, which has no choices, is dropped. The Responses API goes natively to {@link AzureUrls#responsesUrl}, with the
 * deployment as {@code model}.
 */
public final class AzureProvider extends OpenAiProvider {
    private final Clock clock;

    public AzureProvider(HttpClient http) {
        this(http, Clock.systemUTC());
    }

    public AzureProvider(HttpClient http, Clock clock) {
        super(http, "azure", null, "AZURE_API_KEY");
        this.clock = clock;
    }

    @Override
    protected URI uri(ProviderCall<?> call, String path) {
        AzureUrls.Base base = AzureUrls.base(call.deployment().apiBase(), call.deployment().id());
        if (path.equals("/responses")) return validUri(call, AzureUrls.responsesUrl(base, call.deployment().option("api_version")));
        return validUri(call, AzureUrls.url(base, call.deployment().providerModel(), call.deployment().option("api_version"), path));
    }

    @Override
    protected Map<String, String> headers(ProviderCall<?> call) {
        Map<String, String> headers = super.headers(call);
        headers.remove("authorization");
        if (call.apiKey() != null) headers.put("api-key", call.apiKey());
        return headers;
    }

    @Override
    protected ObjectNode chatBody(ProviderCall<ChatCompletionRequest> call) {
        return withoutModel(call, super.chatBody(call));
    }

    @Override
    protected ObjectNode embeddingBody(ProviderCall<EmbeddingRequest> call) {
        return withoutModel(call, super.embeddingBody(call));
    }

    /** The classic surface takes the deployment from the URL; the v1 surface needs it as model. */
    private static ObjectNode withoutModel(ProviderCall<?> call, ObjectNode body) {
        if (!AzureUrls.base(call.deployment().apiBase(), call.deployment().id()).v1()) body.remove("model");
        return body;
    }

    @Override
    protected ChatCompletionResponse toResponse(ProviderCall<ChatCompletionRequest> call, JsonNode answer) throws IOException {
        return OpenAiCompatible.response(answer, clock);
    }

    @Override
    protected ChunkParser chunkParser(ProviderCall<ChatCompletionRequest> call) {
        return new OpenAiCompatible.Stream(clock)::chunks;
    }
}
