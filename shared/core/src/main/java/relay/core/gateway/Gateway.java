package relay.core.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import relay.core.cache.CacheHit;
import relay.core.cache.Replay;
import relay.core.cache.ResponseCaching;
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
import relay.core.routing.Router;
import relay.core.routing.StreamProgress;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.Usage;

/** The use case: a validated request in, an OpenAI-shaped answer out, from whichever deployment the router picks. */
public final class Gateway {
    private final ModelRouter models;
    private final Router router;
    private final KeyStore keys;
    private final Clock clock;
    private final boolean dropParams;
    private final ResponseCaching caching;

    /** Without a response cache. */
    public Gateway(ModelRouter models, Router router, KeyStore keys, Clock clock, boolean dropParams) {
        this(models, router, keys, clock, dropParams, ResponseCaching.off());
    }

    /**
     * @param dropParams {@code litellm_settings.drop_params}: drop parameters a provider cannot take instead of failing
     * @param caching    the response cache ({@code litellm_settings.cache}); {@link ResponseCaching#off()} for none
     */
    public Gateway(ModelRouter models, Router router, KeyStore keys, Clock clock, boolean dropParams, ResponseCaching caching) {
        this.models = models;
        this.router = router;
        this.keys = keys;
        this.clock = clock;
        this.dropParams = dropParams;
        this.caching = caching;
    }

    public ChatCompletionResponse chat(ChatCompletionRequest request, RequestTrace trace) {
        trace.requestedModel(request.model());
        applyRequestTimeout(request.body(), trace);
        if (request.mockResponse() != null) {
            trace.deployment("mock_response");
            String text = request.mockResponse();
            Usage usage = Usage.of(promptTokens(request), Completions.estimateTokens(text));
            trace.usage(usage);
            return Completions.response(Completions.newId(), clock.instant().getEpochSecond(), request.model(), text, usage);
        }
        ResponseCaching.Context cache = caching.begin(request, trace.deadline());
        Optional<CacheHit> hit = lookUp(cache, trace);
        if (hit.isPresent()) return answerFromCache(hit.get(), trace);
        var routed = router.run(plan(request.model(), request.body(), trace, () -> false, promptTokensAtLeast(request), null), trace,
                (deployment, timeout) -> provider(deployment).chat(call(deployment, fit(deployment, request), timeout)));
        trace.deployment(routed.deployment().id());
        trace.usage(routed.value().usage());
        trace.cost(cost(routed.deployment(), routed.value().usage()));
        ChatCompletionResponse answer = routed.value();
        trace.afterAnswer(() -> cache.store(answer));
        return answer;
    }

    /** The cache's answer, if any; the trace learns the outcome and the key for the response headers and the log. */
    private static Optional<CacheHit> lookUp(ResponseCaching.Context cache, RequestTrace trace) {
        Optional<CacheHit> hit = cache.lookup();
        trace.cacheStatus(cache.status().header());
        if (cache.key() != null) trace.cacheKey(cache.key().exact());
        return hit;
    }

    /** A cached answer under a new id: no deployment answered and nothing was spent; the usage is the stored answer's. */
    private ChatCompletionResponse answerFromCache(CacheHit hit, RequestTrace trace) {
        trace.usage(hit.response().usage());
        trace.cost(java.math.BigDecimal.ZERO);
        trace.cacheSimilarity(hit.score());
        return Replay.response(hit.response(), Completions.newId(), clock.instant().getEpochSecond());
    }

    /**
     * Streams the answer to {@code out}. Until the first chunk is out, a failing deployment is
     * replaced like any other; after it, the failure ends the stream. The provider is always asked for
     * usage, so the log has token counts; the usage chunk reaches the client only when it asked with
     * {@code stream_options.include_usage}.
     */
    public void streamChat(ChatCompletionRequest request, RequestTrace trace, Consumer<ChatCompletionChunk> out) {
        trace.requestedModel(request.model());
        trace.stream(true);
        applyRequestTimeout(request.body(), trace);
        boolean clientWantsUsage = request.body().path("stream_options").path("include_usage").asBoolean(false);
        AtomicBoolean started = new AtomicBoolean();
        StreamProgress progress = new StreamProgress();
        ResponseCaching.Context cache = request.mockResponse() == null ? caching.begin(request, trace.deadline()) : null;
        // Kept only to be stored: a no-store request or one the cache is off for holds no copy of its stream.
        List<ChatCompletionChunk> answer = cache != null && cache.storing() ? new ArrayList<>() : null;
        Consumer<ChatCompletionChunk> sink = chunk -> {
            progress.chunk();
            if (answer != null) answer.add(chunk);
            if (chunk.usage() != null) trace.usage(chunk.usage());
            boolean usageOnly = chunk.choices() == null || chunk.choices().isEmpty();
            if (usageOnly && !clientWantsUsage) return;
            started.set(true);
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
        Optional<CacheHit> hit = lookUp(cache, trace);
        if (hit.isPresent()) {
            Replay.chunks(answerFromCache(hit.get(), trace)).forEach(sink);
            return;
        }
        Router.Routed<Boolean> routed;
        try {
            routed = router.run(plan(request.model(), request.body(), trace, started::get, promptTokensAtLeast(request), progress), trace, (deployment, timeout) -> {
                trace.deployment(deployment.id()); // named in the log even when the stream breaks midway
                if (answer != null) answer.clear(); // only the deployment that answers is stored
                provider(deployment).streamChat(call(deployment, fit(deployment, request), timeout), sink);
                return Boolean.TRUE;
            });
        } catch (RuntimeException e) {
            if (!started.get()) trace.deployment(null); // nothing reached the client: no deployment answered
            throw e;
        }
        trace.deployment(routed.deployment().id());
        trace.cost(cost(routed.deployment(), trace.usage()));
        if (answer != null && !answer.isEmpty()) trace.afterAnswer(() -> cache.store(Replay.assemble(answer)));
    }

    /** The response cache's settings ({@link relay.core.cache.CacheSettings#OFF} when none is configured). */
    public relay.core.cache.CacheSettings cacheSettings() {
        return caching.settings();
    }

    /** Reads from the response cache's store once; throws when it cannot be reached. */
    public void pingCache() {
        caching.ping();
    }

    /** Removes cached answers by their exact keys ({@code x-relay-cache-key}); how many were there. */
    public int deleteCached(java.util.Collection<String> exactKeys) {
        int deleted = 0;
        for (String key : exactKeys) {
            if (caching.delete(key)) deleted++;
        }
        return deleted;
    }

    public EmbeddingResult embed(EmbeddingRequest request, RequestTrace trace) {
        trace.requestedModel(request.model());
        applyRequestTimeout(request.body(), trace);
        ResponseCaching.Context cache = caching.begin(request, trace.deadline());
        Optional<EmbeddingResult> cached = cachedEmbeddings(cache, trace);
        if (cached.isPresent()) return cached.get();
        var routed = router.run(plan(request.model(), request.body(), trace, () -> false, 0, null), trace,
                (deployment, timeout) -> provider(deployment).embed(call(deployment, request, timeout)));
        trace.deployment(routed.deployment().id());
        Usage usage = Usage.of(routed.value().promptTokens(), 0);
        trace.usage(usage);
        trace.cost(cost(routed.deployment(), usage));
        EmbeddingResult result = routed.value();
        trace.afterAnswer(() -> cache.store(relay.core.cache.CachedEmbeddings.envelope(request.model(), result)));
        return result;
    }

    /**
     * Embeddings from the exact cache (as LiteLLM caches them): the same controls, keys and headers as chat, no
     * semantic lookup. A hit costs nothing; its usage is the stored answer's.
     */
    private Optional<EmbeddingResult> cachedEmbeddings(ResponseCaching.Context cache, RequestTrace trace) {
        Optional<EmbeddingResult> result = lookUp(cache, trace)
                .flatMap(hit -> relay.core.cache.CachedEmbeddings.open(hit.response()));
        if (result.isEmpty()) {
            if (cache.status() == relay.core.cache.CacheStatus.HIT_EXACT) trace.cacheStatus(relay.core.cache.CacheStatus.MISS.header());
            return result;
        }
        trace.usage(Usage.of(result.get().promptTokens(), 0));
        trace.cost(java.math.BigDecimal.ZERO);
        trace.cacheSimilarity(1);
        return result;
    }

    /** The longest request timeout: API Gateway's own limit is 30 s, a Lambda's 15 minutes. */
    static final double MAX_REQUEST_TIMEOUT_SECONDS = 900;

    /**
     * The request's own {@code timeout} (or LiteLLM's older {@code request_timeout}) in seconds, as LiteLLM
     * takes it: the whole request, cache lookup, retries and fallbacks included, is answered by then. It
     * only shortens the deadline the request already has.
     */
    private void applyRequestTimeout(ObjectNode body, RequestTrace trace) {
        for (String field : new String[] {"timeout", "request_timeout"}) {
            JsonNode value = body.get(field);
            if (value == null || value.isNull()) continue;
            if (!value.isNumber() || !(value.asDouble() > 0) || value.asDouble() > MAX_REQUEST_TIMEOUT_SECONDS) {
                throw RelayException.invalid(field, "'" + field + "' must be a number of seconds above 0 and at most " + (int) MAX_REQUEST_TIMEOUT_SECONDS + ".");
            }
            Instant limit = clock.instant().plusNanos((long) (value.asDouble() * 1e9));
            if (trace.deadline() == null || limit.isBefore(trace.deadline())) trace.deadline(limit);
        }
    }

    /** The request's own routing fields, as LiteLLM takes them: {@code fallbacks}, {@code num_retries}. */
    private static Router.Plan plan(String model, ObjectNode body, RequestTrace trace, java.util.function.BooleanSupplier started,
                                    int promptTokensAtLeast, StreamProgress progress) {
        List<String> fallbacks = new ArrayList<>();
        JsonNode requested = body.get("fallbacks");
        if (requested != null && !requested.isNull()) {
            if (!requested.isArray()) throw RelayException.invalid("fallbacks", "'fallbacks' must be an array of model names.");
            for (int i = 0; i < requested.size(); i++) {
                JsonNode item = requested.get(i);
                JsonNode name = item.isObject() ? item.get("model") : item;
                if (name == null || !name.isTextual() || name.asText().isBlank()) {
                    throw RelayException.invalid("fallbacks[" + i + "]", "'fallbacks[" + i + "]' must be a model name.");
                }
                fallbacks.add(name.asText());
            }
        }
        Integer retries = null;
        JsonNode numRetries = body.get("num_retries");
        if (numRetries != null && !numRetries.isNull()) {
            if (!numRetries.isIntegralNumber() || numRetries.asInt() < 0 || numRetries.asInt() > 10) {
                throw RelayException.invalid("num_retries", "'num_retries' must be an integer from 0 to 10.");
            }
            retries = numRetries.asInt();
        }
        boolean fallbacksDisabled = body.path("disable_fallbacks").asBoolean(false);
        return new Router.Plan(model, fallbacks, retries, trace.deadline(), started, promptTokensAtLeast, fallbacksDisabled, progress);
    }

    /** The answer's price in USD from the catalog; null when the model or its price is unknown. */
    private java.math.BigDecimal cost(Deployment deployment, Usage usage) {
        if (usage == null) return null;
        return models.info(deployment).map(info -> info.cost(usage.promptTokens(), usage.completionTokens())).orElse(null);
    }

    private ChatCompletionRequest fit(Deployment deployment, ChatCompletionRequest request) {
        Provider provider = provider(deployment);
        return ChatParams.fit(request, provider.name(), provider.supportedChatParams(), dropParams);
    }

    private Provider provider(Deployment deployment) {
        return models.provider(deployment);
    }

    private <R> ProviderCall<R> call(Deployment deployment, R request, Duration timeout) {
        Provider provider = provider(deployment);
        String key = keys.resolve(deployment.apiKey())
                .or(() -> provider.defaultKeyName() == null ? Optional.empty() : keys.find(provider.defaultKeyName()))
                .orElse(null);
        if (key == null && provider.defaultKeyName() != null) {
            String source = deployment.apiKey() != null && deployment.apiKey().startsWith(KeyStore.REFERENCE_PREFIX)
                    ? deployment.apiKey().substring(KeyStore.REFERENCE_PREFIX.length())
                    : provider.defaultKeyName();
            throw new RelayException(ErrorKind.AUTHENTICATION, "Relay has no API key for provider '" + provider.name()
                    + "' (deployment " + deployment.id() + "): set " + source + " in Relay's key store.");
        }
        return new ProviderCall<>(deployment, request, key, timeout);
    }

    /**
     * A number of tokens the prompt surely reaches: no tokenizer packs more than about ten characters
     * into a token, so a prompt this long cannot fit a smaller window on any model.
     */
    private static int promptTokensAtLeast(ChatCompletionRequest request) {
        long chars = 0;
        for (var message : request.messages()) chars += message.text().length();
        return (int) Math.min(Integer.MAX_VALUE, chars / 10);
    }

    private static int promptTokens(ChatCompletionRequest request) {
        List<String> texts = new ArrayList<>();
        request.messages().forEach(m -> texts.add(m.text()));
        return Completions.estimateTokens(String.join("\n", texts));
    }
}
