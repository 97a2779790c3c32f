package relay.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** OpenAI's embeddings list; each {@code embedding} is a float array or, when asked, base64 of little-endian float32. */
public record EmbeddingResponse(String object, List<Embedding> data, String model, EmbeddingUsage usage) {

    public record Embedding(String object, int index, JsonNode embedding) {}

    public record EmbeddingUsage(int promptTokens, int totalTokens) {}
}
