package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.provider.Completions;
import relay.core.provider.EmbeddingResult;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;

class CachedEmbeddingsTest {

    @Test
    void vectorsSurviveTheStoresJsonRoundTrip_bitForBit() throws Exception {
        float[] a = {0.1f, -2.5f, 1e-7f, Float.MAX_VALUE, Float.MIN_VALUE, -0.0f};
        float[] b = {3f};
        ChatCompletionResponse stored = CachedEmbeddings.envelope("text-embedding-3-small", new EmbeddingResult(List.of(a, b), 7));

        ChatCompletionResponse read = Json.MAPPER.readValue(Json.writeBytes(stored), ChatCompletionResponse.class);
        EmbeddingResult opened = CachedEmbeddings.open(read).orElseThrow();

        assertEquals(2, opened.vectors().size());
        assertArrayEquals(a, opened.vectors().get(0));
        assertArrayEquals(b, opened.vectors().get(1));
        assertEquals(7, opened.promptTokens());
    }

    @Test
    void aChatAnswer_orAnUnreadableEntry_isNoEmbeddingsAnswer() {
        ChatCompletionResponse chat = Completions.response("c-1", 1, "m", "hello", Usage.of(1, 1));
        ChatCompletionResponse corrupt = new ChatCompletionResponse("e", CachedEmbeddings.OBJECT, 0, "m",
                List.of(new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", "not base64!"), "stop", null)), null, null);
        ChatCompletionResponse ragged = new ChatCompletionResponse("e", CachedEmbeddings.OBJECT, 0, "m",
                List.of(new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", "AAA="), "stop", null)), null, null);

        assertTrue(CachedEmbeddings.open(chat).isEmpty());
        assertTrue(CachedEmbeddings.open(corrupt).isEmpty());
        assertTrue(CachedEmbeddings.open(ragged).isEmpty(), "2 bytes are no float32");
    }
}
