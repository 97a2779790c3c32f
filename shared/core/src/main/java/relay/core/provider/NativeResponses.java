package relay.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}) spoken by a provider itself (OpenAI, Azure OpenAI): the
 * client's body goes through as it was sent, with the deployment's model and without Relay's own fields, so hosted
 * tools, reasoning items and fields Relay does not know yet survive; the response and its events come back
 * untouched. See {@link Provider#nativeResponses(Deployment)}.
 */
public interface NativeResponses {
    /** The provider's response object, as it sent it. {@code call}'s request is the body to send, without its model. */
    JsonNode create(ProviderCall<ObjectNode> call);

    /**
     * Streams the provider's events (each one JSON object with its {@code type}) to {@code events} as they arrive;
     * returns after the response's last event ({@code response.completed}, {@code response.incomplete} or
     * {@code response.failed}). An {@code error} event is thrown as the failure it reports.
     */
    void stream(ProviderCall<ObjectNode> call, Consumer<JsonNode> events);
}
