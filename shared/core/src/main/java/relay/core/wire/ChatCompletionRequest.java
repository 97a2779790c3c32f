package relay.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A validated chat completion request. The typed fields are what Relay itself reads; {@code body}
 * is the whole request as sent, so fields Relay does not know pass through to OpenAI-compatible
 * providers untouched. Build it with {@link ChatRequestParser}.
 */
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        boolean stream,
        Double temperature,
        Double topP,
        Integer n,
        Integer maxTokens,
        Integer maxCompletionTokens,
        List<String> stop,
        Long seed,
        JsonNode tools,
        JsonNode toolChoice,
        JsonNode responseFormat,
        String user,
        String mockResponse,
        ObjectNode body) {

    /** The body a provider should see: the client's, with the deployment's model and {@link RelayFields} removed. */
    public ObjectNode providerBody(String providerModel) {
        ObjectNode copy = RelayFields.removeFrom(body.deepCopy());
        copy.put("model", providerModel);
        return copy;
    }

    /** The last user message's text, or empty. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).role())) return messages.get(i).text();
        }
        return "";
    }
}
