package relay.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import relay.core.error.RelayException;

/**
 * A request's own cache controls, LiteLLM's {@code cache} object in the body:
 * {@code {"no-cache": true, "no-store": true, "ttl": 600, "s-maxage": 60, "namespace": "x", "use-cache": true}}.
 *
 * @param noCache skip the lookup (the answer is still stored unless {@code noStore})
 * @param noStore do not store the answer
 * @param ttl how long to keep this answer; null = the configured ttl
 * @param sMaxAge accept only entries younger than this; null = any unexpired entry
 * @param namespace keys live in this namespace (null = the configured one)
 * @param useCache {@code use-cache}: opts in when the cache is {@code mode: default_off}; null = not said
 */
public record CacheControls(boolean noCache, boolean noStore, Duration ttl, Duration sMaxAge, String namespace,
                            Boolean useCache) {

    public static final CacheControls NONE = new CacheControls(false, false, null, null, null, null);

    /** The request body's {@code cache} field (null or missing = no controls); a bad value is a 400 naming it. */
    public static CacheControls from(JsonNode cache) {
        if (cache == null || cache.isNull() || cache.isMissingNode()) return NONE;
        if (!cache.isObject()) throw RelayException.invalid("cache", "'cache' must be an object such as {\"no-cache\": true}.");
        boolean noCache = bool(cache, "no-cache");
        boolean noStore = bool(cache, "no-store");
        Duration ttl = seconds(cache, "ttl", false);
        Duration sMaxAge = seconds(cache, "s-maxage", true);
        if (sMaxAge == null) sMaxAge = seconds(cache, "s-max-age", true); // LiteLLM reads both spellings
        String namespace = null;
        JsonNode ns = cache.get("namespace");
        if (ns != null && !ns.isNull()) {
            if (!ns.isTextual()) throw RelayException.invalid("cache.namespace", "'cache.namespace' must be a string.");
            namespace = ns.asText().isBlank() ? null : ns.asText();
        }
        Boolean useCache = null;
        if (cache.has("use-cache") && !cache.get("use-cache").isNull()) useCache = bool(cache, "use-cache");
        return new CacheControls(noCache, noStore, ttl, sMaxAge, namespace, useCache);
    }

    /** Whether this request reads the cache under {@code settings}. */
    public boolean lookupAllowed(CacheSettings settings) {
        return optedIn(settings) && !noCache;
    }

    /** Whether this request's answer is written to the cache under {@code settings}. */
    public boolean storeAllowed(CacheSettings settings) {
        return optedIn(settings) && !noStore;
    }

    private boolean optedIn(CacheSettings settings) {
        if (!settings.enabled()) return false;
        if (useCache != null) return useCache;
        return !settings.defaultOff();
    }

    /** How long an answer to this request lives in the cache. */
    public Duration ttl(CacheSettings settings) {
        return ttl != null ? ttl : settings.ttl();
    }

    /** The namespace of this request's keys: its own, else the configured one, else null. */
    public String namespace(CacheSettings settings) {
        return namespace != null ? namespace : settings.namespace();
    }

    /** Whether an entry stored at {@code storedAt} is young enough for this request at {@code now}. */
    public boolean acceptsAge(Instant storedAt, Instant now) {
        return sMaxAge == null || !storedAt.isBefore(now.minus(sMaxAge));
    }

    private static boolean bool(JsonNode cache, String field) {
        JsonNode value = cache.get(field);
        if (value == null || value.isNull()) return false;
        if (!value.isBoolean()) {
            throw RelayException.invalid("cache." + field, "'cache." + field + "' must be true or false.");
        }
        return value.booleanValue();
    }

    private static Duration seconds(JsonNode cache, String field, boolean zeroAllowed) {
        JsonNode value = cache.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isNumber() || value.doubleValue() < 0 || (!zeroAllowed && value.doubleValue() == 0)
                || value.doubleValue() > 1e9) {
            throw RelayException.invalid("cache." + field, "'cache." + field + "' must be a "
                    + (zeroAllowed ? "non-negative" : "positive") + " number of seconds.");
        }
        return Duration.ofMillis(Math.round(value.doubleValue() * 1000));
    }
}
