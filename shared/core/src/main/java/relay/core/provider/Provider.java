package relay.core.provider;

import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;

/**
 * A model provider spoken to in its own wire format. Implementations translate OpenAI's request to
 * the provider's and back, and report failures as {@link RelayException}s whose message names the
 * provider and never holds the key.
 */
public interface Provider {
    /** The prefix that selects this provider in a model name, e.g. {@code openai}. */
    String name();

    /** The key store field this provider's key is read from when the config names none; null if it needs no key. */
    String defaultKeyName();

    /**
     * Whether a model name alone (a catalog name, or {@code provider/model}) may reach this provider at its default
     * address. False when that address is this machine (Ollama's {@code localhost:11434}) or there is none: such a
     * provider is served only through a {@code model_list} entry, so no client can make Relay call a local service.
     */
    default boolean reachableWithoutConfig() {
        return true;
    }

    /**
     * The {@link ChatParams#OPTIONAL} parameters this provider honours; null when it passes the
     * request through as it is (OpenAI-compatible hosts).
     */
    default java.util.Set<String> supportedChatParams() {
        return null;
    }

    ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call);

    /** Streams the answer as chunks, in order; returns when the provider's stream has ended. */
    void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks);

    /**
     * Anthropic's Messages API spoken natively by {@code deployment} (Anthropic itself, Claude on Bedrock or
     * Vertex), or null when a Messages request must reach it through chat.
     */
    default NativeMessages nativeMessages(Deployment deployment) {
        return null;
    }

    /**
     * OpenAI's Responses API spoken natively by {@code deployment} (OpenAI, Azure OpenAI), or null when a Responses
     * request must reach it through chat.
     */
    default NativeResponses nativeResponses(Deployment deployment) {
        return null;
    }

    default EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        throw new RelayException(ErrorKind.INVALID_REQUEST,
                "Provider '" + name() + "' does not serve embeddings.", "model");
    }
}
