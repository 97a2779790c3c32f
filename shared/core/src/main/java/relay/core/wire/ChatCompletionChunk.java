package relay.core.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** OpenAI's {@code chat.completion.chunk}: one Server-Sent Event of a streamed answer. */
public record ChatCompletionChunk(
        String id,
        String object,
        long created,
        String model,
        List<ChunkChoice> choices,
        Usage usage,
        String systemFingerprint) {

    public static final String OBJECT = "chat.completion.chunk";

    public record ChunkChoice(
            int index,
            ChatMessage delta,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason,
            @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs) {}

    public ChatCompletionChunk withModel(String newModel) {
        return new ChatCompletionChunk(id, object, created, newModel, choices, usage, systemFingerprint);
    }
}
