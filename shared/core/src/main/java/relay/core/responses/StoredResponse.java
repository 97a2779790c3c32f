package relay.core.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A response kept for {@code GET /v1/responses/{id}} and for a later request's {@code previous_response_id}.
 *
 * @param owner     the hash of the key that created it (null when Relay runs without keys); only that key may read it
 * @param response  the response object as the client received it
 * @param input     the conversation's input items up to this response (the previous responses' included), without instructions
 * @param expiresAt when the store may forget it
 */
public record StoredResponse(String id, String owner, ObjectNode response, ArrayNode input, Instant expiresAt) {

    /** The conversation a follow-up continues: this response's input, then its output. */
    public ArrayNode conversation() {
        ArrayNode items = input.deepCopy();
        response.path("output").forEach(items::add);
        return items;
    }
}
