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

    /** The body a provider should see: the client's, with the deployment's model and {@link RelayFields} removed. */
    public ObjectNode providerBody(String providerModel) {
        ObjectNode copy = RelayFields.removeFrom(body.deepCopy());
        copy.put("model", providerModel);
        return copy;
    }
}
