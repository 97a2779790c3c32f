package relay.providers.compatible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.openai.OpenAiProvider;

/**
 * An OpenAI-compatible host from {@link CompatibleHost#ALL}: OpenAI's adapter with the host's base URL,
 * key, parameter names and known gaps, legacy functions sent as tools, and answers normalised to
 * OpenAI's exact shape by {@link OpenAiCompatible}.
 */
public class CompatibleHostProvider extends OpenAiProvider {
    private final CompatibleHost host;
    private final Clock clock;

    public CompatibleHostProvider(HttpClient http, CompatibleHost host) {
        this(http, host, Clock.systemUTC());
    }

    public CompatibleHostProvider(HttpClient http, CompatibleHost host, Clock clock) {
        super(http, host.prefix(), host.defaultApiBase(), host.keyName());
        this.host = host;
        this.clock = clock;
    }

    @Override
    public Set<String> supportedChatParams() {
        return host.supportedChatParams();
    }

    @Override
    protected URI uri(ProviderCall<?> call, String path) {
        String apiBase = call.deployment().apiBase();
        if (host.defaultApiBase() == null && (apiBase == null || apiBase.isBlank())) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "Deployment " + call.deployment().id() + " has no api_base: "
                    + host.prefix() + " has no default address, so set litellm_params.api_base to the server's URL "
                    + "(for example http://my-server:8000/v1).");
        }
        return super.uri(call, path);
    }

    @Override
    protected ObjectNode chatBody(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = super.chatBody(call);
        adapt(host, body);
        return body;
    }

    /** Not every compatible host knows base64 embeddings; floats are the form they all answer with. */
    @Override
    protected ObjectNode embeddingBody(ProviderCall<EmbeddingRequest> call) {
        ObjectNode body = super.embeddingBody(call);
        body.remove("encoding_format");
        return body;
    }

    /** The host's request: legacy functions as tools, OpenAI parameter names as the host spells them. */
    static void adapt(CompatibleHost host, ObjectNode body) {
        LegacyFunctions.toTools(body);
        for (Map.Entry<String, String> rename : host.renamedParams().entrySet()) {
            JsonNode value = body.remove(rename.getKey());
            // max_completion_tokens wins over max_tokens, as in OpenAI's API where it replaces it
            if (value != null && !value.isNull()) body.set(rename.getValue(), value);
        }
        if (host.dropsMessageNames()) {
            for (JsonNode message : body.path("messages")) {
                if (message instanceof ObjectNode m && !"tool".equals(m.path("role").asText())) m.remove("name");
            }
        }
    }

    @Override
    protected ChatCompletionResponse toResponse(ProviderCall<ChatCompletionRequest> call, JsonNode answer) throws IOException {
        ChatCompletionResponse response = OpenAiCompatible.response(answer, clock);
        return LegacyFunctions.used(call.request().body()) ? LegacyFunctions.toFunctionCall(response) : response;
    }

    @Override
    protected ChunkParser chunkParser(ProviderCall<ChatCompletionRequest> call) {
        OpenAiCompatible.Stream stream = new OpenAiCompatible.Stream(clock);
        if (!LegacyFunctions.used(call.request().body())) return stream::chunks;
        return event -> stream.chunks(event).stream().map(LegacyFunctions::toFunctionCall).toList();
    }
}
