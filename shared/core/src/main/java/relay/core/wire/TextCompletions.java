package relay.core.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * OpenAI's legacy {@code /completions} (text in, text out) on top of chat: the prompt becomes one
 * user message, and the chat answer comes back as {@code text_completion} choices. So every chat
 * model serves it.
 */
public final class TextCompletions {
    /** Text-completion options chat has no equivalent for. */
    private static final Set<String> UNSUPPORTED = Set.of("echo", "suffix", "best_of", "logprobs");

    private TextCompletions() {}

    public record Response(String id, String object, long created, String model, List<Choice> choices, Usage usage) {}

    public record Choice(
            String text, int index,
            @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {}

    /** The chat request that answers a {@code /completions} body. */
    public static ChatCompletionRequest toChat(ObjectNode body) {
        RequestParser.model(body);
        JsonNode prompt = body.get("prompt");
        String text;
        if (prompt == null || prompt.isNull()) {
            throw RelayException.invalid("prompt", "'prompt' is required.");
        } else if (prompt.isTextual()) {
            text = prompt.asText();
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).asText();
        } else if (prompt.isArray()) {
            throw RelayException.invalid("prompt", "'prompt' must be one string; send one request per prompt.");
        } else {
            throw RelayException.invalid("prompt", "'prompt' must be a string.");
        }
        for (String field : UNSUPPORTED) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !(value.isBoolean() && !value.asBoolean()) && !(value.isInt() && value.asInt() <= 1 && !field.equals("logprobs"))) {
                throw new RelayException(ErrorKind.UNSUPPORTED_PARAMS, "'" + field + "' is not supported on /completions by Relay.", field);
            }
        }
        ObjectNode chat = body.deepCopy();
        chat.remove(List.of("prompt", "echo", "suffix", "best_of", "logprobs"));
        chat.putArray("messages").addObject().put("role", "user").put("content", text);
        return RequestParser.chat(chat);
    }

    public static Response fromChat(ChatCompletionResponse chat) {
        List<Choice> choices = chat.choices().stream()
                .map(c -> new Choice(c.message() == null ? "" : c.message().text(), c.index(), null, c.finishReason()))
                .toList();
        return new Response(chat.id() == null ? null : chat.id().replaceFirst("^chatcmpl-", "cmpl-"), "text_completion",
                chat.created(), chat.model(), choices, chat.usage());
    }

    /** A streamed chat chunk as a streamed text-completion event; null for chunks that carry no text or end. */
    public static Response fromChunk(ChatCompletionChunk chunk) {
        if (chunk.choices() == null || chunk.choices().isEmpty()) {
            return chunk.usage() == null ? null
                    : new Response(id(chunk), "text_completion", chunk.created(), chunk.model(), List.of(), chunk.usage());
        }
        List<Choice> choices = chunk.choices().stream()
                .filter(c -> c.finishReason() != null || (c.delta() != null && !c.delta().text().isEmpty()))
                .map(c -> new Choice(c.delta() == null ? "" : c.delta().text(), c.index(), null, c.finishReason()))
                .toList();
        return choices.isEmpty() ? null : new Response(id(chunk), "text_completion", chunk.created(), chunk.model(), choices, null);
    }

    private static String id(ChatCompletionChunk chunk) {
        return chunk.id() == null ? null : chunk.id().replaceFirst("^chatcmpl-", "cmpl-");
    }
}
