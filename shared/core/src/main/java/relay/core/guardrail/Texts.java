package relay.core.guardrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The message text of a request body, where guardrails read and mask it: every string under the fields that carry
 * what the user and the conversation say, in any of the APIs Relay serves (chat's {@code messages}, the text API's
 * {@code prompt}, embeddings' {@code input}, Anthropic's {@code system} and {@code messages}, the Responses API's
 * {@code input} and {@code instructions}). Names, ids, roles, media and signed reasoning are left alone: changing
 * them would break the request, not protect anyone.
 */
public final class Texts {
    static final Set<String> CONTENT_FIELDS = Set.of("messages", "prompt", "input", "system", "instructions");
    /** Fields within content that are not text a person wrote (and media, whose base64 only looks like text). */
    private static final Set<String> STRUCTURAL = Set.of("role", "type", "id", "tool_call_id", "tool_use_id", "call_id", "name",
            "image_url", "url", "data", "media_type", "mime_type", "file_id", "file_data", "signature", "cache_control",
            "format", "detail", "status", "encrypted_content", "model");
    /** Blocks whose text is signed by the provider: a changed character makes the provider refuse the conversation. */
    private static final Set<String> SIGNED_BLOCKS = Set.of("thinking", "redacted_thinking", "reasoning");

    private record Slot(JsonNode parent, String field, int index) {}

    private final List<Slot> slots = new ArrayList<>();

    private Texts() {}

    /** The texts of {@code body}; setting one changes {@code body}. */
    public static Texts of(ObjectNode body) {
        Texts texts = new Texts();
        for (String field : CONTENT_FIELDS) {
            JsonNode value = body.get(field);
            if (value != null) texts.collect(body, field, -1, value);
        }
        return texts;
    }

    private void collect(JsonNode parent, String field, int index, JsonNode value) {
        if (value.isTextual()) {
            slots.add(new Slot(parent, field, index));
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) collect(value, null, i, value.get(i));
        } else if (value.isObject()) {
            if (SIGNED_BLOCKS.contains(value.path("type").asText())) return;
            for (var entry : value.properties()) {
                if (!STRUCTURAL.contains(entry.getKey())) collect(value, entry.getKey(), -1, entry.getValue());
            }
        }
    }

    public int size() {
        return slots.size();
    }

    public String get(int i) {
        Slot slot = slots.get(i);
        return slot.field() != null ? slot.parent().get(slot.field()).asText() : slot.parent().get(slot.index()).asText();
    }

    public void set(int i, String text) {
        Slot slot = slots.get(i);
        if (slot.field() != null) ((ObjectNode) slot.parent()).set(slot.field(), TextNode.valueOf(text));
        else ((ArrayNode) slot.parent()).set(slot.index(), TextNode.valueOf(text));
    }
}
