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

    // ---- what agents rely on ----

    static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]},"
            + "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}},\"required\":[\"city\",\"unit\"]}}}";
    static final String SEARCH = "{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"query\":{\"type\":\"string\"}}}}}";

    static ProviderCall<ChatCompletionRequest> call(String json) {
        return new ProviderCall<>(DEPLOYMENT, RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8))),
                null, Duration.ofSeconds(5));
    }

    static String withTools(String messages, String toolChoice) {
        return "{\"model\":\"mock-gpt\",\"messages\":" + messages + ",\"tools\":[" + SEARCH + "," + WEATHER + "]"
                + (toolChoice == null ? "" : ",\"tool_choice\":" + toolChoice) + "}";
    }

    static final String ASK = "[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}]";

    /** The whole answer a stream adds up to, reasoning included (Replay leaves it out). */
    static String streamedReasoning(List<ChatCompletionChunk> chunks, int index) {
        StringBuilder reasoning = new StringBuilder();
        chunks.forEach(c -> c.choices().stream().filter(ch -> ch.index() == index && ch.delta().reasoningContent() != null)
                .forEach(ch -> reasoning.append(ch.delta().reasoningContent())));
        return reasoning.toString();
    }

    @Test
    void toolChoiceRequired_callsATool_withArgumentsFittingItsSchema() {
        ChatCompletionResponse answer = mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"Paris, please\"}]", "\"required\"")));

        var choice = answer.choices().get(0);
        assertEquals("tool_calls", choice.finishReason());
        assertNull(choice.message().content());
        var call = choice.message().toolCalls().get(0);
        assertEquals("search", call.function().name(), "no tool named in the message: the first tool");
        assertEquals("{\"query\":\"mock\"}", call.function().arguments());
        assertEquals("function", call.type());
        assertTrue(call.id().startsWith("call_"));
        assertEquals(call.id(), mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"Paris, please\"}]", "\"required\"")))
                .choices().get(0).message().toolCalls().get(0).id(), "same request, same call id");
    }

    @Test
    void toolChoiceNamingAFunction_callsIt_requiredPropertiesEnumsAndBoundsHonoured() {
        var call = mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"hi\"}]",
                "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"))).choices().get(0).message().toolCalls().get(0);

        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"mock\",\"unit\":\"celsius\",\"days\":1}", call.function().arguments());
    }

    @Test
    void toolChoiceAuto_callsTheToolTheUserNames_andAnswersFromToolResults() {
        var first = mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"Use get_weather for Paris\"}]", null))).choices().get(0);
        var plain = mock.chat(call(withTools(ASK, "\"auto\""))).choices().get(0);
        var none = mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"Use get_weather for Paris\"}]", "\"none\""))).choices().get(0);
        var afterResult = mock.chat(call(withTools("[{\"role\":\"user\",\"content\":\"Use get_weather for Paris\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C and sunny\"}]", null))).choices().get(0);

        assertEquals("get_weather", first.message().toolCalls().get(0).function().name());
        assertEquals("stop", plain.finishReason(), "auto, and no tool named: an answer");
        assertEquals("Mock answer to: What is the weather in Paris?", plain.message().text());
        assertNull(none.message().toolCalls());
        assertNull(afterResult.message().toolCalls(), "after tool results the loop ends");
        assertEquals("Mock answer from the tools: 18C and sunny", afterResult.message().text());
        assertEquals("stop", afterResult.finishReason());
    }

    @Test
    void n_givesThatManyChoices_andUsageCountsThemAll() {
        ChatCompletionResponse one = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + "}"));
        ChatCompletionResponse three = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"n\":3}"));

        assertEquals(List.of(0, 1, 2), three.choices().stream().map(ChatCompletionResponse.Choice::index).toList());
        three.choices().forEach(c -> assertEquals(one.choices().get(0).message().text(), c.message().text()));
        assertEquals(3 * one.usage().completionTokens(), three.usage().completionTokens());
    }

    @Test
    void responseFormat_jsonSchema_answersJsonThatFitsIt_jsonObject_anObject() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\",\"maxLength\":11},"
                + "\"score\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":10},\"tags\":{\"type\":\"array\","
                + "\"items\":{\"type\":\"string\",\"format\":\"date\"},\"minItems\":2},\"ok\":{\"type\":[\"boolean\",\"null\"]}},"
                + "\"required\":[\"summary\",\"score\",\"tags\",\"ok\"],\"additionalProperties\":false}";
        String structured = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"report\",\"strict\":true,\"schema\":" + schema + "}}}")).choices().get(0).message().text();
        String object = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"response_format\":{\"type\":\"json_object\"}}"))
                .choices().get(0).message().text();

        assertEquals("{\"summary\":\"Mock answer\",\"score\":1,\"tags\":[\"2025-01-01\",\"2025-01-01\"],\"ok\":true}", structured);
        assertEquals("Mock answer to: What is the weather in Paris?",
                relay.core.Json.MAPPER.readTree(object).path("answer").asText());
    }

    @Test
    void reasoningEffort_givesReasoningContent_noneGivesNone() {
        var reasoned = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"reasoning_effort\":\"high\"}")).choices().get(0);
        var thinking = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}"))
                .choices().get(0);
        var plain = mock.chat(call("{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"reasoning_effort\":\"none\"}")).choices().get(0);

        assertEquals("Mock reasoning (high effort) about: What is the weather in Paris?", reasoned.message().reasoningContent());
        assertEquals("Mock answer to: What is the weather in Paris?", reasoned.message().text());
        assertTrue(thinking.message().reasoningContent().startsWith("Mock reasoning"));
        assertNull(plain.message().reasoningContent());
    }

    @Test
    void streams_addUpToTheWholeAnswer_reasoningToolCallsAndChoices() {
        String[] requests = {
                withTools("[{\"role\":\"user\",\"content\":\"Paris\"}]", "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}")
                        .replace("\"messages\"", "\"reasoning_effort\":\"low\",\"n\":2,\"messages\""),
                "{\"model\":\"mock-gpt\",\"messages\":" + ASK + ",\"reasoning_effort\":\"medium\",\"n\":2}",
        };
        for (String request : requests) {
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            mock.streamChat(call(request), chunks::add);
            ChatCompletionResponse whole = mock.chat(call(request));
            ChatCompletionResponse streamed = relay.core.cache.Replay.assemble(chunks);

            assertEquals(whole.choices().size(), streamed.choices().size());
            for (int i = 0; i < whole.choices().size(); i++) {
                var expected = whole.choices().get(i);
                var got = streamed.choices().get(i);
                assertEquals(expected.finishReason(), got.finishReason());
                assertEquals(expected.message().text(), got.message().text());
                assertEquals(expected.message().toolCalls(), got.message().toolCalls());
                assertEquals(expected.message().reasoningContent(), streamedReasoning(chunks, i));
            }
            assertEquals(whole.usage(), streamed.usage());
            assertTrue(chunks.get(chunks.size() - 1).choices().isEmpty(), "usage comes last, alone");
        }
    }
}
