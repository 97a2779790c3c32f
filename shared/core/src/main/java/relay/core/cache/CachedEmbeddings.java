package relay.core.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import relay.core.provider.EmbeddingResult;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;

/**
 * An embeddings answer as a response cache entry, whose stores hold chat responses: one choice per input, in
 * input order, whose content is that input's vector (float32, little-endian, base64: exact, and a third the
 * size of JSON numbers), the provider's token count as the usage, and {@link #OBJECT} as the object, so that an
 * entry is never taken for the other kind. Entries live under {@link CacheKey#ofEmbeddings} keys.
 */
public final class CachedEmbeddings {
    /** The {@code object} of a stored embeddings answer. */
    public static final String OBJECT = "relay.cached_embeddings";

    private CachedEmbeddings() {}

    public static ChatCompletionResponse envelope(String model, EmbeddingResult result) {
        List<ChatCompletionResponse.Choice> choices = new ArrayList<>(result.vectors().size());
        for (int i = 0; i < result.vectors().size(); i++) {
            float[] v = result.vectors().get(i);
            ByteBuffer bytes = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) bytes.putFloat(x);
            choices.add(new ChatCompletionResponse.Choice(i, ChatMessage.of("assistant", Base64.getEncoder().encodeToString(bytes.array())),
                    "stop", null));
        }
        return new ChatCompletionResponse("embeddings", OBJECT, 0, model, choices, Usage.of(result.promptTokens(), 0), null);
    }

    /** The embeddings answer an entry holds; empty when it holds something else or cannot be read. */
    public static Optional<EmbeddingResult> open(ChatCompletionResponse cached) {
        if (cached == null || !OBJECT.equals(cached.object()) || cached.choices() == null || cached.choices().isEmpty()) {
            return Optional.empty();
        }
        try {
            List<float[]> vectors = new ArrayList<>(cached.choices().size());
            for (int i = 0; i < cached.choices().size(); i++) {
                ChatCompletionResponse.Choice choice = cached.choices().get(i);
                if (choice.index() != i || choice.message() == null) return Optional.empty();
                ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(choice.message().text())).order(ByteOrder.LITTLE_ENDIAN);
                if (bytes.remaining() % Float.BYTES != 0) return Optional.empty();
                float[] v = new float[bytes.remaining() / Float.BYTES];
                for (int d = 0; d < v.length; d++) v[d] = bytes.getFloat();
                vectors.add(v);
            }
            int tokens = cached.usage() == null ? 0 : cached.usage().promptTokens();
            return Optional.of(new EmbeddingResult(List.copyOf(vectors), tokens));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
