package relay.core.cache;

import java.util.Optional;
import relay.core.log.Diagnostics;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;

/**
 * The cache's part of one chat request, in the order the gateway needs it: read the request's
 * controls and keys ({@link #begin}, a 400 for bad controls), {@link Context#lookup()}, and after a
 * miss {@link Context#store} the answer. The prompt is embedded at most once per request, only when
 * the semantic cache is on and the request can use it; a failing embedder makes the request
 * exact-only, never fails it.
 */
public final class ResponseCaching {
    private final CacheSettings settings;
    private final ResponseCache cache;
    private final Embedder embedder;

    /** @param embedder null when the cache is exact-only */
    public ResponseCaching(CacheSettings settings, ResponseCache cache, Embedder embedder) {
        this.settings = settings;
        this.cache = cache;
        this.embedder = settings.semantic() ? embedder : null;
    }

    public static ResponseCaching off() {
        return new ResponseCaching(CacheSettings.OFF, ResponseCache.NONE, null);
    }

    public CacheSettings settings() {
        return settings;
    }

    /** Reads from the cache's store once; throws when it cannot be reached. */
    public void ping() {
        cache.ping();
    }

    /** Removes a stored answer by its exact key; see {@link ResponseCache#delete}. */
    public boolean delete(String exactKey) {
        return cache.delete(exactKey);
    }

    /** Reads the request's {@code cache} controls (RelayException INVALID_REQUEST naming {@code cache.<field>}) and keys. */
    public Context begin(ChatCompletionRequest request) {
        return begin(request, null);
    }

    /** As {@link #begin(ChatCompletionRequest)}; embedding the prompt gives up by the request's {@code deadline} (null: none). */
    public Context begin(ChatCompletionRequest request, java.time.Instant deadline) {
        CacheControls controls = CacheControls.from(request.body().get("cache"));
        boolean active = settings.enabled() && request.mockResponse() == null;
        CacheKey key = active
                ? CacheKey.of(request, controls.namespace(settings), embedder == null ? null : embedder.name())
                : null;
        return new Context(controls, key, active, deadline);
    }

    /**
     * The exact cache for an embeddings request, with the same controls as chat ({@code cache} in the body);
     * store the answer with {@link CachedEmbeddings#envelope}.
     */
    public Context begin(relay.core.wire.EmbeddingRequest request, java.time.Instant deadline) {
        CacheControls controls = CacheControls.from(request.body().get("cache"));
        CacheKey key = settings.enabled() ? CacheKey.ofEmbeddings(request, controls.namespace(settings)) : null;
        return new Context(controls, key, settings.enabled(), deadline);
    }

    /** One request's cache state. Not thread-safe: one request, one thread. */
    public final class Context {
        private final CacheControls controls;
        private final CacheKey key;
        private final boolean active;
        private final java.time.Instant deadline;
        private float[] vector;
        private boolean embedded;
        private CacheStatus status = CacheStatus.OFF;

        private Context(CacheControls controls, CacheKey key, boolean active, java.time.Instant deadline) {
            this.controls = controls;
            this.key = key;
            this.active = active;
            this.deadline = deadline;
        }

        /** The hit, if any; afterwards {@link #status()} says hit-exact, hit-semantic, miss or off. */
        public Optional<CacheHit> lookup() {
            if (!active || !controls.lookupAllowed(settings)) return Optional.empty();
            // The exact key first and alone: a hit there costs no embedding.
            Optional<CacheHit> hit = cache.lookup(CacheLookup.exact(key, controls.sMaxAge()));
            if (hit.isEmpty() && embedder != null && key.semantic() && vector() != null) {
                hit = cache.lookup(CacheLookup.similar(key, vector, controls.sMaxAge()));
            }
            status = hit.map(CacheHit::status).orElse(CacheStatus.MISS);
            return hit;
        }

        /** Whether {@link #store} would keep an answer: the cache is on for this request and it did not say {@code no-store}. */
        public boolean storing() {
            return active && controls.storeAllowed(settings);
        }

        /** Stores the answer unless the request said {@code no-store}; never throws. */
        public void store(ChatCompletionResponse response) {
            if (!storing() || response == null
                    || response.choices() == null || response.choices().isEmpty()) {
                return;
            }
            cache.store(new CacheEntry(key, vector(), response, controls.ttl(settings)));
        }

        /** The value of the {@code x-relay-cache} header. */
        public CacheStatus status() {
            return status;
        }

        /** The request's keys; null when the cache is off for it. */
        public CacheKey key() {
            return key;
        }

        public CacheControls controls() {
            return controls;
        }

        private float[] vector() {
            if (!embedded) {
                embedded = true;
                if (embedder != null && key.semantic()) {
                    try {
                        vector = embedder.embed(key.semanticText(), deadline);
                    } catch (RuntimeException e) {
                        Diagnostics.warn("response_cache_embed_failed", "embedder", embedder.name(),
                                "reason", e.getClass().getSimpleName());
                    }
                }
            }
            return vector;
        }
    }
}
