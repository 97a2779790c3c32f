package relay.core.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;

/** Builds OpenAI-shaped answers from plain text: for canned answers and providers that return text. */
public final class Completions {
    private Completions() {}

    public static String newId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A rough token count (about four characters a token) for answers whose provider reports none. */
    public static int estimateTokens(String text) {
        return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
    }

    public static ChatCompletionResponse response(String id, long created, String model, String text, Usage usage) {
        var choice = new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", text), "stop", null);
        return new ChatCompletionResponse(id, ChatCompletionResponse.OBJECT, created, model, List.of(choice), usage, null);
    }

    /**
     * The chunks OpenAI would stream for {@code text}: a role delta, one delta per word, a final
     * chunk with {@code finish_reason}, then (when {@code usage} is given) a usage-only chunk.
     */
    public static List<ChatCompletionChunk> chunks(String id, long created, String model, String text, Usage usage) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        chunks.add(chunk(id, created, model, new ChatMessage("assistant", null, null, null, null, null, null), null));
        int start = 0;
        while (start < text.length()) {
            int next = text.indexOf(' ', start + 1);
            int end = next < 0 ? text.length() : next;
            chunks.add(chunk(id, created, model, ChatMessage.of(null, text.substring(start, end)), null));
            start = end;
        }
        chunks.add(chunk(id, created, model, new ChatMessage(null, null, null, null, null, null, null), "stop"));
        if (usage != null) {
            chunks.add(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, null));
        }
        return chunks;
    }

    private static ChatCompletionChunk chunk(String id, long created, String model, ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(0, delta, finishReason, null);
        return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null);
    }
}
