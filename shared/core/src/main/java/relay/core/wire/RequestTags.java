package relay.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import relay.core.error.RelayException;

/**
 * A request's tags, as LiteLLM takes them: {@code tags} in the body, or {@code metadata.tags} (both, merged). They
 * steer Relay (tag routing) and are never sent to a provider ({@link RelayFields}). {@code tags} must be a list of
 * names; {@code metadata} is the client's free-form record, so there only the names of a list count.
 */
public final class RequestTags {
    /** More than any routing needs; bounds what one request makes the router compare. */
    public static final int MAX_TAGS = 32;
    static final int MAX_TAG_CHARS = 256;

    private RequestTags() {}

    public static List<String> of(ObjectNode body) {
        LinkedHashSet<String> tags = new LinkedHashSet<>();
        read(body.get("tags"), "tags", tags);
        JsonNode metadata = body.get("metadata");
        JsonNode listed = metadata == null ? null : metadata.get("tags");
        if (listed != null && listed.isArray()) {
            for (JsonNode tag : listed) {
                if (tag.isTextual() && !tag.asText().isBlank() && tag.asText().length() <= MAX_TAG_CHARS) tags.add(tag.asText());
            }
        }
        if (tags.size() > MAX_TAGS) {
            throw RelayException.invalid("tags", "A request may carry at most " + MAX_TAGS + " tags; it has " + tags.size() + ".");
        }
        return List.copyOf(new ArrayList<>(tags));
    }

    private static void read(JsonNode given, String field, LinkedHashSet<String> into) {
        if (given == null || given.isNull()) return;
        if (given.isTextual() && !given.asText().isBlank() && given.asText().length() <= MAX_TAG_CHARS) {
            into.add(given.asText()); // one tag, written without its list
            return;
        }
        if (!given.isArray()) throw RelayException.invalid(field, "'" + field + "' must be an array of tag names.");
        for (int i = 0; i < given.size(); i++) {
            JsonNode tag = given.get(i);
            if (!tag.isTextual() || tag.asText().isBlank() || tag.asText().length() > MAX_TAG_CHARS) {
                throw RelayException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a tag name of 1 to "
                        + MAX_TAG_CHARS + " characters.");
            }
            into.add(tag.asText());
        }
        if (into.size() > MAX_TAGS) {
            throw RelayException.invalid(field, "A request may carry at most " + MAX_TAGS + " tags.");
        }
    }
}
