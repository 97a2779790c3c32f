package relay.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.error.Redaction;
import relay.core.log.RequestLog.Caller;

/** Who made a request, for the log: the key only as a hash, plus the request's {@code user} and {@code metadata}. */
final class Callers {
    private static final int MAX_METADATA_ENTRIES = 20;
    private static final int MAX_METADATA_CHARS = 256;

    private Callers() {}

    static Caller fromHeaders(String authorization) {
        if (authorization == null) return Caller.UNKNOWN;
        String header = authorization.strip();
        if (header.length() <= 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Caller.UNKNOWN;
        return new Caller(hash(header.substring(7).strip()), null, null, Map.of());
    }

    /** After a successful check: the master key is the only key, so its alias is {@code master}. */
    static Caller authenticated(Caller caller, Authenticator authenticator) {
        if (caller.keyHash() == null || authenticator.masterKey().isEmpty()) return caller;
        return new Caller(caller.keyHash(), "master", caller.user(), caller.metadata());
    }

    /** Adds the request's {@code user} and its {@code metadata} (string values; {@code tags} joined by commas). */
    static Caller withRequest(Caller caller, ObjectNode body) {
        String user = body.path("user").isTextual() ? cut(body.get("user").asText()) : null;
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode given = body.path("metadata");
        if (given.isObject()) {
            given.fields().forEachRemaining(field -> {
                if (metadata.size() >= MAX_METADATA_ENTRIES) return;
                JsonNode v = field.getValue();
                if (v.isValueNode() && !v.isNull()) {
                    metadata.put(cut(field.getKey()), cut(v.asText()));
                } else if (v.isArray()) {
                    StringBuilder joined = new StringBuilder();
                    v.forEach(item -> {
                        if (item.isValueNode()) joined.append(joined.isEmpty() ? "" : ",").append(item.asText());
                    });
                    metadata.put(cut(field.getKey()), cut(joined.toString()));
                }
            });
        }
        return new Caller(caller.keyHash(), caller.keyAlias(), user, metadata);
    }

    static String hash(String key) {
        return relay.core.access.VirtualKeyFormat.hash(key); // one hash of a key everywhere: a virtual key's is its log key_hash
    }

    /** Scrubbed of anything key-like, then cut: metadata is the client's free text, and the log must hold no key. */
    private static String cut(String s) {
        return Redaction.scrubAndCut(s, null, MAX_METADATA_CHARS);
    }
}
