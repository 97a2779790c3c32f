package relay.core.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** OpenAI's {@code chat.completion} object. */
public record ChatCompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        Usage usage,
        String systemFingerprint) {

    public static final String OBJECT = "chat.completion";

    /** One choice; {@code finish_reason} and {@code logprobs} are always present, as OpenAI sends them. */
    public record Choice(
            int index,
            ChatMessage message,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason,
            @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs) {}

    public ChatCompletionResponse withModel(String newModel) {
        return new ChatCompletionResponse(id, object, created, newModel, choices, usage, systemFingerprint);
    }
}
