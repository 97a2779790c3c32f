package relay.providers.mock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;

class MockProviderTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);
    static final Deployment DEPLOYMENT = new Deployment("mock-gpt", "mock", "mock-gpt", null, null, Duration.ofSeconds(5));

    final MockProvider mock = new MockProvider(CLOCK);

    static ProviderCall<ChatCompletionRequest> chatCall(String lastUserText) {
        String json = "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":\"first question\"},{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "{\"role\":\"user\",\"content\":\"" + lastUserText + "\"}]}";
        return new ProviderCall<>(DEPLOYMENT,
                RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8))), null, Duration.ofSeconds(5));
    }

    static ProviderCall<EmbeddingRequest> embedCall(String json) {
        return new ProviderCall<>(DEPLOYMENT,
                RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8))), null, Duration.ofSeconds(5));
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float f : v) sum += (double) f * f;
        return Math.sqrt(sum);
    }

    @Test
    void identity_isMockWithoutAKey() {
        assertEquals("mock", mock.name());
        assertNull(mock.defaultKeyName());
    }

    @Test
    void chat_answersDeterministically_withTheLastUserMessage() {
        ChatCompletionResponse first = mock.chat(chatCall("what is relay?"));
        ChatCompletionResponse second = mock.chat(chatCall("what is relay?"));

        String text = first.choices().get(0).message().text();
        assertEquals("Mock answer to: what is relay?", text);
        assertEquals(text, second.choices().get(0).message().text());
        assertEquals("assistant", first.choices().get(0).message().role());
        assertEquals("stop", first.choices().get(0).finishReason());
        assertEquals("chat.completion", first.object());
        assertEquals("mock-gpt", first.model());
        assertEquals(CLOCK.instant().getEpochSecond(), first.created());
        assertTrue(first.usage().promptTokens() > 0);
        assertTrue(first.usage().completionTokens() > 0);
        assertEquals(first.usage(), second.usage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"what is relay?", "one", " leading and trailing ", ""})
    void streamChat_chunkTextConcatenatesToTheAnswer(String question) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        mock.streamChat(chatCall(question), chunks::add);

        String answer = mock.chat(chatCall(question)).choices().get(0).message().text();
        StringBuilder streamed = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            chunk.choices().forEach(c -> streamed.append(c.delta().text()));
        }
        assertEquals(answer, streamed.toString());
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(mock.chat(chatCall(question)).usage(), usage.usage());
        assertTrue(chunks.stream().allMatch(c -> c.id().equals(chunks.get(0).id())), "one id for the whole stream");
    }

    @Test
    void embed_givesUnitVectors_sameTextSameVector() {
        EmbeddingResult result = mock.embed(embedCall("{\"model\":\"mock-gpt\",\"input\":[\"hello\",\"world\",\"hello\"]}"));

        assertEquals(3, result.vectors().size());
        for (float[] v : result.vectors()) {
            assertEquals(MockProvider.DEFAULT_DIMENSIONS, v.length);
            assertEquals(1.0, norm(v), 1e-5);
        }
        assertArrayEquals(result.vectors().get(0), result.vectors().get(2));
        assertFalse(Arrays.equals(result.vectors().get(0), result.vectors().get(1)));
        assertTrue(result.promptTokens() > 0);
    }

    @Test
    void embed_isDeterministicAcrossCallsAndInstances() {
        float[] a = mock.embed(embedCall("{\"model\":\"mock-gpt\",\"input\":\"same text\"}")).vectors().get(0);
        float[] b = new MockProvider(Clock.systemUTC()).embed(embedCall("{\"model\":\"mock-gpt\",\"input\":\"same text\"}")).vectors().get(0);

        assertArrayEquals(a, b);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 32, 33, 256, 1536})
    void embed_honoursDimensions(int dimensions) {
        EmbeddingResult result = mock.embed(embedCall("{\"model\":\"mock-gpt\",\"input\":[\"a\",\"b\"],\"dimensions\":" + dimensions + "}"));

        for (float[] v : result.vectors()) {
            assertEquals(dimensions, v.length);
            assertEquals(1.0, norm(v), 1e-5);
            for (float f : v) assertTrue(Float.isFinite(f));
        }
    }

    @Test
    void embed_vectorsBeyondOneDigestAreNotARepeatOfTheFirst() {
        float[] v = mock.embed(embedCall("{\"model\":\"mock-gpt\",\"input\":\"x\",\"dimensions\":64}")).vectors().get(0);

        assertFalse(Arrays.equals(Arrays.copyOfRange(v, 0, 32), Arrays.copyOfRange(v, 32, 64)));
    }

    @Test
    void providers_all_holdsOpenAiAndMock() {
        List<Provider> all = Providers.all(Providers.httpClient(), CLOCK, relay.core.provider.RequestSigner.NONE);

        List<String> names = all.stream().map(Provider::name).toList();
        assertEquals(List.of("openai", "mock"), names.subList(0, 2));
        assertEquals(names.size(), java.util.Set.copyOf(names).size(), "one provider per prefix");
        assertEquals("OPENAI_API_KEY", all.get(0).defaultKeyName());
    }
}
