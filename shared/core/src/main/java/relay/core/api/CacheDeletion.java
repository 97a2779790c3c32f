package relay.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Set;
import relay.core.error.RelayException;

/** The body of {@code POST /cache/delete}, as LiteLLM takes it: {@code {"keys": ["<x-relay-cache-key>", ...]}}. */
final class CacheDeletion {
    static final int MAX_KEYS = 100;
    static final int MAX_KEY_LENGTH = 512;

    private CacheDeletion() {}

    /** The keys to delete, without repeats; a 400 naming {@code keys} for anything else. */
    static Set<String> keys(ObjectNode body) {
        JsonNode keys = body.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty() || keys.size() > MAX_KEYS) {
            throw RelayException.invalid("keys", "'keys' must be an array of 1 to " + MAX_KEYS
                    + " cache keys, as the x-relay-cache-key response header gives them.");
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode key = keys.get(i);
            if (!key.isTextual() || key.asText().isBlank() || key.asText().length() > MAX_KEY_LENGTH) {
                throw RelayException.invalid("keys[" + i + "]", "'keys[" + i + "]' must be a cache key (a non-empty string).");
            }
            distinct.add(key.asText());
        }
        return distinct;
    }
}
