package relay.core.gateway;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.keys.KeyStore;
import relay.core.provider.ChatParams;
import relay.core.provider.Completions;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.Usage;

/** The use case: a validated request in, the chosen deployment's OpenAI-shaped answer out. */
public final class Gateway {
    private final ModelRouter router;
    private final KeyStore keys;
    private final Clock clock;
    private final boolean dropParams;

    /** @param dropParams {@code litellm_settings.drop_params}: drop parameters a provider cannot take instead of failing */
    public Gateway(ModelRouter router, KeyStore keys, Clock clock, boolean dropParams) {
        this.router = router;
        this.keys = keys;
        this.clock = clock;
        this.dropParams = dropParams;
    }

    public ChatCompletionResponse chat(ChatCompletionRequest request, RequestTrace trace) {
        trace.requestedModel(request.model());
        if (request.mockResponse() != null) {
            trace.deployment("mock_response");
            String text = request.mockResponse();
            Usage usage = Usage.of(promptTokens(request), Completions.estimateTokens(text));
            trace.usage(usage);
            return Completions.response(Completions.newId(), clock.instant().getEpochSecond(), request.model(), text, usage);
        }
        Deployment deployment = router.route(request.model()).get(0);
        trace.deployment(deployment.id());
        ChatCompletionResponse response = provider(deployment).chat(call(deployment, fit(deployment, request)));
        trace.usage(response.usage());
        return response;
    }

    /**
     * Streams the answer to {@code out}. The provider is always asked for usage, so the log has token
     * counts; the usage chunk reaches the client only when it asked with {@code stream_options.include_usage}.
     */
    public void streamChat(ChatCompletionRequest request, RequestTrace trace, Consumer<ChatCompletionChunk> out) {
        trace.requestedModel(request.model());
        trace.stream(true);
        boolean clientWantsUsage = request.body().path("stream_options").path("include_usage").asBoolean(false);
        Consumer<ChatCompletionChunk> sink = chunk -> {
            if (chunk.usage() != null) trace.usage(chunk.usage());
            boolean usageOnly = chunk.choices() == null || chunk.choices().isEmpty();
            if (usageOnly && !clientWantsUsage) return;
            out.accept(clientWantsUsage || chunk.usage() == null ? chunk
                    : new ChatCompletionChunk(chunk.id(), chunk.object(), chunk.created(), chunk.model(), chunk.choices(), null, chunk.systemFingerprint()));
        };
        if (request.mockResponse() != null) {
            trace.deployment("mock_response");
            String text = request.mockResponse();
            Usage usage = Usage.of(promptTokens(request), Completions.estimateTokens(text));
            Completions.chunks(Completions.newId(), clock.instant().getEpochSecond(), request.model(), text, usage).forEach(sink);
            return;
        }
        Deployment deployment = router.route(request.model()).get(0);
        trace.deployment(deployment.id());
        provider(deployment).streamChat(call(deployment, fit(deployment, request)), sink);
    }

    public EmbeddingResult embed(EmbeddingRequest request, RequestTrace trace) {
        trace.requestedModel(request.model());
        Deployment deployment = router.route(request.model()).get(0);
        trace.deployment(deployment.id());
        EmbeddingResult result = provider(deployment).embed(call(deployment, request));
        trace.usage(Usage.of(result.promptTokens(), 0));
        return result;
    }

    private ChatCompletionRequest fit(Deployment deployment, ChatCompletionRequest request) {
        Provider provider = provider(deployment);
        return ChatParams.fit(request, provider.name(), provider.supportedChatParams(), dropParams);
    }

    private Provider provider(Deployment deployment) {
        return router.provider(deployment);
    }

    private <R> ProviderCall<R> call(Deployment deployment, R request) {
        Provider provider = provider(deployment);
        String key = keys.resolve(deployment.apiKey())
                .or(() -> provider.defaultKeyName() == null ? java.util.Optional.empty() : keys.find(provider.defaultKeyName()))
                .orElse(null);
        if (key == null && provider.defaultKeyName() != null) {
            String source = deployment.apiKey() != null && deployment.apiKey().startsWith(KeyStore.REFERENCE_PREFIX)
                    ? deployment.apiKey().substring(KeyStore.REFERENCE_PREFIX.length())
                    : provider.defaultKeyName();
            throw new RelayException(ErrorKind.AUTHENTICATION, "Relay has no API key for provider '" + provider.name()
                    + "' (deployment " + deployment.id() + "): set " + source + " in Relay's key store.");
        }
        return new ProviderCall<>(deployment, request, key, deployment.timeout());
    }

    private static int promptTokens(ChatCompletionRequest request) {
        List<String> texts = new ArrayList<>();
        request.messages().forEach(m -> texts.add(m.text()));
        return Completions.estimateTokens(String.join("\n", texts));
    }
}
