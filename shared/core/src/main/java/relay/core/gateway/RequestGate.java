package relay.core.gateway;

import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;

/**
 * What the caller's key allows, checked by the {@link Gateway} before any provider call: the model,
 * the budget, the rate limits. It may refuse (a {@link relay.core.error.RelayException}) and may leave
 * work on the trace for after the answer (settling what it reserved). The master key's gate is {@link #OPEN}.
 */
public interface RequestGate {
    RequestGate OPEN = new RequestGate() {};

    /** Whether the caller may use the model group {@code model} (and so sees it in {@code GET /models}). */
    default boolean mayUse(String model) {
        return true;
    }

    /** Whether the caller may call the route {@code path} (without {@code /v1}); refuses with a 403. */
    default void admitRoute(String path) {}

    default void admitChat(ChatCompletionRequest request, RequestTrace trace) {}

    default void admitEmbedding(EmbeddingRequest request, RequestTrace trace) {}
}
