package relay.core.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A validated embeddings request. {@code input} holds the texts; token-array inputs are kept in
 * {@code body} and passed through to providers that take them.
 */
public record EmbeddingRequest(
        String model,
        List<String> input,
        boolean tokenInput,
        EncodingFormat encodingFormat,
        Integer dimensions,
        String user,
        ObjectNode body) {

    public enum EncodingFormat { FLOAT, BASE64 }

    public ObjectNode providerBody(String providerModel) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", providerModel);
        copy.remove(ChatCompletionRequest.RELAY_FIELDS);
        return copy;
    }
}
