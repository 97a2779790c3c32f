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
        trace.gate().admitChat(request, trace);
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
        // only the requested group's answer (or a configured fallback's) may be cached under its key
        if (!routed.requestFallback()) trace.afterAnswer(() -> cache.store(answer));
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
        trace.gate().admitChat(request, trace);
        boolean clientWantsUsage = request.body().path("stream_options").path("include_usage").asBoolean(false);
        AtomicBoolean started = new AtomicBoolean();
        StreamProgress progress = new StreamProgress();
        ResponseCaching.Context cache = request.mockResponse() == null ? caching.begin(request, trace.deadline()) : null;
        // Kept only to be stored: a no-store request or one the cache is off for holds no copy of its stream, and a
        // stream too long to be cached stops being kept.
        StreamCopy answer = cache != null && cache.storing() ? new StreamCopy() : null;
        long[] streamedChars = {0}; // for a usage estimate when the provider reports none (a stream cut short)
        Consumer<ChatCompletionChunk> sink = chunk -> {
            progress.chunk();
            streamedChars[0] += StreamCopy.size(chunk) - StreamCopy.OVERHEAD;
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
        Deployment[] answering = {null};
        try {
            routed = router.run(plan(request.model(), request.body(), trace, started::get, promptTokensAtLeast(request), progress), trace, (deployment, timeout) -> {
                trace.deployment(deployment.id()); // named in the log even when the stream breaks midway
                answering[0] = deployment;
                streamedChars[0] = 0;
                if (answer != null) answer.clear(); // only the deployment that answers is stored
                provider(deployment).streamChat(call(deployment, fit(deployment, request), timeout), sink);
                return Boolean.TRUE;
            });
        } catch (RuntimeException e) {
            if (!started.get()) trace.deployment(null); // nothing reached the client: no deployment answered
            else estimateUsageIfNone(request, trace, answering[0], streamedChars[0]); // what was streamed is spent
            throw e;
        }
        trace.deployment(routed.deployment().id());
        estimateUsageIfNone(request, trace, routed.deployment(), streamedChars[0]);
        trace.cost(cost(routed.deployment(), trace.usage()));
        if (answer != null && answer.complete() && !routed.requestFallback()) {
            List<ChatCompletionChunk> chunks = answer.chunks();
            trace.afterAnswer(() -> cache.store(Replay.assemble(chunks)));
        }
    }

    /**
     * A stream whose provider reported no usage (one cut short by a failure or a client that hung up, or a
     * provider that never reports it) still cost what was streamed: its usage and price are estimated from
     * the prompt and the streamed text, so the log and a key's budget do not count it as free.
     */
    private void estimateUsageIfNone(ChatCompletionRequest request, RequestTrace trace, Deployment deployment, long streamedChars) {
        if (trace.usage() != null || deployment == null) return;
        Usage estimate = Usage.of(promptTokens(request), (int) Math.min(Integer.MAX_VALUE, (streamedChars + 3) / 4));
        trace.usage(estimate);
        trace.cost(cost(deployment, estimate));
    }

    /**
     * The most of a streamed answer kept to be cached, in characters of content: far more than a cache entry holds
     * (a DynamoDB item is at most 400 KB), so any answer that could be stored is kept whole, and no stream, however
     * long, is held beyond it.
     */
    public static final int MAX_CACHED_STREAM_CHARS = 1024 * 1024;

    /** A stream's chunks kept for the cache, until they grow past {@link #MAX_CACHED_STREAM_CHARS}. */
    private static final class StreamCopy {
        private final List<ChatCompletionChunk> chunks = new ArrayList<>();
        private long chars;
        private boolean dropped;

        void add(ChatCompletionChunk chunk) {
            if (dropped) return;
            chars += size(chunk);
            if (chars > MAX_CACHED_STREAM_CHARS) {
                dropped = true;
                chunks.clear();
                return;
            }
            chunks.add(chunk);
        }

        /** Only the deployment that answers is stored. */
        void clear() {
            chunks.clear();
            chars = 0;
            dropped = false;
        }

        boolean complete() {
            return !dropped && !chunks.isEmpty();
        }

        List<ChatCompletionChunk> chunks() {
            return List.copyOf(chunks);
        }

        /** What {@link #size} counts for a chunk besides its text and arguments. */
        static final long OVERHEAD = 64;

        /** Roughly what the chunk adds to a stored answer: its text, tool-call arguments, and a little for the rest. */
        static long size(ChatCompletionChunk chunk) {
            long size = OVERHEAD;
            if (chunk.choices() == null) return size;
            for (var choice : chunk.choices()) {
                if (choice.delta() == null) continue;
                size += choice.delta().text().length();
                if (choice.delta().toolCalls() != null) {
                    for (var call : choice.delta().toolCalls()) {
                        if (call.function() != null && call.function().arguments() != null) size += call.function().arguments().length();
                    }
                }
                if (choice.logprobs() != null) size += choice.logprobs().size() * 64L;
            }
            return size;
        }
    }

    /**
     * As {@link #chat}, for a request that came in another API's shape: a deployment whose provider
     * speaks that API natively is called through {@code passthrough}; the others get {@code request}, its
     * chat translation, and their answer goes through {@code fromChat}. When no deployment of the model
     * passes through, this is {@link #chat} (response cache and {@code mock_response} included). The response
     * cache serves and keeps these answers too, as {@code cached} says: a hit is answered through {@code fromChat}.
     *
     * @param usageOf the token counts of a native answer, for the log and the cost
     */
    public <T> T chat(ChatCompletionRequest request, RequestTrace trace, Passthrough<T> passthrough,
                      java.util.function.Function<ChatCompletionResponse, T> fromChat, java.util.function.Function<T, Usage> usageOf,
                      NativeCaching<T> cached) {
        if (!passesThrough(request, passthrough)) return fromChat.apply(chat(request, trace));
        trace.requestedModel(request.model());
        applyRequestTimeout(request.body(), trace);
        trace.gate().admitChat(request, trace); // the key's model access, budget and limits, as for chat
        ChatCompletionRequest cacheKey = cached.key(caching.settings().enabled());
        ResponseCaching.Context cache = cacheKey == null ? null : caching.begin(cacheKey, trace.deadline());
        if (cache != null) {
            Optional<CacheHit> hit = lookUp(cache, trace);
            if (hit.isPresent()) return fromChat.apply(answerFromCache(hit.get(), trace));
        }
        ChatCompletionResponse[] viaChat = {null}; // a deployment that took the translation: its answer, as it is cached
        var routed = router.run(plan(request.model(), request.body(), trace, () -> false, promptTokensAtLeast(request), null), trace,
                (deployment, timeout) -> {
                    viaChat[0] = null;
                    Passthrough.Call<T> direct = passthrough.of(provider(deployment), deployment);
                    if (direct != null) return direct.call(call(deployment, request, timeout), () -> { });
                    viaChat[0] = provider(deployment).chat(call(deployment, fit(deployment, request), timeout));
                    return fromChat.apply(viaChat[0]);
                });
        Usage usage = usageOf.apply(routed.value());
        trace.deployment(routed.deployment().id());
        trace.usage(usage);
        trace.cost(cost(routed.deployment(), usage));
        T answer = routed.value();
        ChatCompletionResponse chatAnswer = viaChat[0];
        if (cache != null && cache.storing() && !routed.requestFallback()) {
            trace.afterAnswer(() -> cache.store(chatAnswer != null ? chatAnswer : cached.chatForm().apply(answer)));
        }
        return answer;
    }

    /**
     * As {@link #streamChat}, for a request that came in another API's shape: a deployment whose provider
     * speaks that API natively streams through {@code passthrough} (which returns what was streamed, whole, for
     * {@code usageOf} and the cache); the others stream the chat translation to {@code out}, usage chunk included.
     * When no deployment of the model passes through, this is {@link #streamChat} (the request should then ask for
     * usage). A cache hit is replayed to {@code out}, as the translation would stream it.
     */
    public <T> void streamChat(ChatCompletionRequest request, RequestTrace trace, Passthrough<T> passthrough,
                               java.util.function.Function<T, Usage> usageOf, NativeCaching<T> cached, Consumer<ChatCompletionChunk> out) {
        if (!passesThrough(request, passthrough)) {
            streamChat(request, trace, out);
            return;
        }
        trace.requestedModel(request.model());
        trace.stream(true);
        applyRequestTimeout(request.body(), trace);
        trace.gate().admitChat(request, trace);
        ChatCompletionRequest cacheKey = cached.key(caching.settings().enabled());
        ResponseCaching.Context cache = cacheKey == null ? null : caching.begin(cacheKey, trace.deadline());
        if (cache != null) {
            Optional<CacheHit> hit = lookUp(cache, trace);
            if (hit.isPresent()) {
                Replay.chunks(answerFromCache(hit.get(), trace)).forEach(out);
                return;
            }
        }
        StreamCopy copy = cache != null && cache.storing() ? new StreamCopy() : null; // a translated stream, kept to be stored
        AtomicBoolean started = new AtomicBoolean();
        StreamProgress progress = new StreamProgress();
        Runnable sent = () -> {
            progress.chunk();
            started.set(true);
        };
        Consumer<ChatCompletionChunk> chunks = chunk -> {
            if (chunk.usage() != null) trace.usage(chunk.usage());
            if (copy != null) copy.add(chunk);
            sent.run();
            out.accept(chunk);
        };
        List<T> streamed = new ArrayList<>(1); // what a native stream gave, whole
        Router.Routed<Boolean> routed;
        try {
            routed = router.run(plan(request.model(), request.body(), trace, started::get, promptTokensAtLeast(request), progress), trace,
                    (deployment, timeout) -> {
                        trace.deployment(deployment.id());
                        streamed.clear();
                        if (copy != null) copy.clear(); // only the deployment that answers is stored
                        Passthrough.Call<T> direct = passthrough.of(provider(deployment), deployment);
                        if (direct != null) {
                            T whole = direct.call(call(deployment, request, timeout), sent);
                            Usage usage = whole == null ? null : usageOf.apply(whole);
                            if (usage != null) trace.usage(usage);
                            if (whole != null) streamed.add(whole);
                        } else {
                            provider(deployment).streamChat(call(deployment, fit(deployment, request), timeout), chunks);
                        }
                        return Boolean.TRUE;
                    });
        } catch (RuntimeException e) {
            if (!started.get()) trace.deployment(null);
            throw e;
        }
        trace.deployment(routed.deployment().id());
        trace.cost(cost(routed.deployment(), trace.usage()));
        if (copy == null || routed.requestFallback()) return;
        if (!streamed.isEmpty()) {
            T whole = streamed.get(0);
            trace.afterAnswer(() -> cache.store(cached.chatForm().apply(whole)));
        } else if (copy.complete()) {
            List<ChatCompletionChunk> kept = copy.chunks();
            trace.afterAnswer(() -> cache.store(Replay.assemble(kept)));
        }
    }

    /** Whether any deployment of the requested model takes the request natively (a canned answer never does). */
    private boolean passesThrough(ChatCompletionRequest request, Passthrough<?> passthrough) {
        if (request.mockResponse() != null) return false;
        return models.route(request.model()).stream().anyMatch(d -> passthrough.of(provider(d), d) != null);
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
        trace.gate().admitEmbedding(request, trace);
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
        if (!routed.requestFallback()) { // a per-request fallback's answer is never cached under this model
            trace.afterAnswer(() -> cache.store(relay.core.cache.CachedEmbeddings.envelope(request.model(), result)));
        }
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

    /**
     * The most {@code fallbacks} one request may name: each can mean a group of deployments, each with its retries,
     * so the list is what multiplies the attempts (and the time and memory) one request can cost.
     */
    public static final int MAX_REQUEST_FALLBACKS = 10;

    /** The request's own routing fields, as LiteLLM takes them: {@code fallbacks}, {@code num_retries}, {@code tags}. */
    private static Router.Plan plan(String model, ObjectNode body, RequestTrace trace, java.util.function.BooleanSupplier started,
                                    int promptTokensAtLeast, StreamProgress progress) {
        List<String> fallbacks = new ArrayList<>();
        JsonNode requested = body.get("fallbacks");
        if (requested != null && !requested.isNull()) {
            if (!requested.isArray()) throw RelayException.invalid("fallbacks", "'fallbacks' must be an array of model names.");
            if (requested.size() > MAX_REQUEST_FALLBACKS) {
                throw RelayException.invalid("fallbacks", "'fallbacks' lists " + requested.size() + " models; a request may name at most "
                        + MAX_REQUEST_FALLBACKS + ".");
            }
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
        return new Router.Plan(model, fallbacks, retries, trace.deadline(), started, promptTokensAtLeast, fallbacksDisabled, progress,
                relay.core.wire.RequestTags.of(body));
    }

    /** The answer's price in USD from the catalog; null when the model or its price is unknown. */
    private java.math.BigDecimal cost(Deployment deployment, Usage usage) {
        if (usage == null) return null;
        return models.info(deployment).map(info -> info.cost(usage)).orElse(null);
    }

    private ChatCompletionRequest fit(Deployment deployment, ChatCompletionRequest request) {
        Provider provider = provider(deployment);
        ChatCompletionRequest fitted = ChatParams.fit(request, provider.name(), provider.supportedChatParams(), dropParams);
        return models.knownNotToReason(deployment) ? ChatParams.withoutReasoning(fitted, deployment.id(), dropParams) : fitted;
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
            throw new RelayException(ErrorKind.PROVIDER_KEY_MISSING, "Relay has no API key for provider '" + provider.name()
                    + "' (deployment " + deployment.id() + "): set " + source + " in Relay's key store.");
        }
        return new ProviderCall<>(deployment, request, key, timeout, models.answerLimits());
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
