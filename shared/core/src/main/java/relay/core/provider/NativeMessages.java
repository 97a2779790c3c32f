package relay.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) spoken by a provider itself: the client's
 * request goes through as it was sent (with the deployment's model), so prompt caching
 * ({@code cache_control}), thinking signatures and beta features survive, and the answer comes back
 * untouched. See {@link Provider#nativeMessages(Deployment)}.
 */
public interface NativeMessages {
    /**
     * @param body    the client's body, without Relay's own fields; the provider sets the deployment's model
     * @param headers the client's {@code anthropic-version} and {@code anthropic-beta} headers (lower-case names) that go along
     */
    record Request(ObjectNode body, Map<String, String> headers) {
        public Request {
            headers = Map.copyOf(headers);
        }
    }

    /** The provider's message, as it sent it. */
    JsonNode create(ProviderCall<Request> call);

    /**
     * Streams the provider's events (each one JSON object with its {@code type}) to {@code events} as
     * they arrive; returns after {@code message_stop}. An {@code error} event is thrown as the failure it reports.
     */
    void stream(ProviderCall<Request> call, Consumer<JsonNode> events);

    /**
     * A message of this provider's (as {@link #create} gives it, or as its stream's events build it) as a chat
     * completion, as the chat path reads it: for the response cache, which keeps answers in chat's shape.
     *
     * @throws RuntimeException when the message lacks what every answer has
     */
    relay.core.wire.ChatCompletionResponse chatForm(JsonNode message);
}
