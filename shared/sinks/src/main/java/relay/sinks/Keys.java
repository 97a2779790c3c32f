package relay.sinks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import relay.core.keys.KeyStore;

/** Reading a sink's settings from the key store, and small helpers the sinks share. */
final class Keys {
    private Keys() {}

    static String required(KeyStore keys, String sink, String name) {
        return find(keys, name).orElseThrow(() -> SinkException.notConfigured(sink, name));
    }

    static String optional(KeyStore keys, String name, String fallback) {
        return find(keys, name).orElse(fallback);
    }

    /** An http(s) base URL without a trailing slash. */
    static String baseUrl(String sink, String name, String value) {
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        try {
            URI uri = URI.create(trimmed);
            if (uri.getHost() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
                throw SinkException.invalidSetting(sink, name);
            }
        } catch (IllegalArgumentException e) {
            throw SinkException.invalidSetting(sink, name);
        }
        return trimmed;
    }

    /**
     * A UUID for a request id, stable across retries: the id itself when it is a UUID, else one derived
     * from it. Vendors deduplicate on it (PostHog {@code uuid}, Sentry {@code event_id}).
     */
    static UUID uuidOf(String requestId) {
        try {
            return UUID.fromString(requestId);
        } catch (IllegalArgumentException e) {
            return UUID.nameUUIDFromBytes(requestId.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Optional<String> find(KeyStore keys, String name) {
        try {
            return keys.find(name).map(String::trim).filter(v -> !v.isEmpty());
        } catch (RuntimeException e) {
            // Secrets Manager unreachable: a passing failure, worth trying again
            throw new SinkException("cannot read " + name + " from the key store (" + e.getClass().getSimpleName() + ")", true);
        }
    }
}
