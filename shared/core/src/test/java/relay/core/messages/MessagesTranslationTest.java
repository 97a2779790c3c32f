package relay.core.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;

/** Anthropic Messages <-> OpenAI chat, against golden JSON (in src/test/resources/golden/messages). */
class MessagesTranslationTest {
    static JsonNode golden(String name) {
        try (InputStream in = MessagesTranslationTest.class.getResourceAsStream("/golden/messages/" + name)) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode parse(String json) {
        return RequestParser.parseObject(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aFullRequestTranslatesToChat_andTheChatParserAcceptsIt() {
        JsonNode golden = golden("request-to-chat.json");
        var translation = MessagesToChat.translate((ObjectNode) golden.get("messages_request"), false);
        assertEquals(golden.get("chat_request"), translation.chat());
        assertNull(translation.untranslatable());
        var chat = RequestParser.chat(translation.chat());
        assertEquals(7, chat.messages().size());
    }

    @Test
    void aChatAnswerTranslatesToAMessage() throws IOException {
        JsonNode golden = golden("response-from-chat.json");
        var chat = Json.MAPPER.treeToValue(golden.get("chat_response"), ChatCompletionResponse.class);
        assertEquals(golden.get("messages_response"), ChatToMessages.message(chat));
    }

    @Test
    void chatChunksTranslateToAnthropicsEventSequence() throws IOException {
        JsonNode golden = golden("stream-from-chat.json");
        ArrayNode events = Json.MAPPER.createArrayNode();
        MessagesStream stream = new MessagesStream((type, data) -> events.addObject().put("event", type).set("data", data), "requested");
        for (JsonNode chunk : golden.get("chat_chunks")) stream.accept(Json.MAPPER.treeToValue(chunk, ChatCompletionChunk.class));
        stream.finish();
        assertEquals(golden.get("messages_events"), events);
    }

    @Test
    void anthropicUsage_countsCacheReadsAndWritesAsPrompt_andCacheReadsAsCachedTokens() throws IOException {
        var usage = ChatToMessages.usageOf(Json.MAPPER.readTree(
                "{\"input_tokens\":11,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":2000,\"output_tokens\":40}"));
        var plain = ChatToMessages.usageOf(Json.MAPPER.readTree("{\"input_tokens\":11,\"output_tokens\":40}"));

        assertEquals(2311, usage.promptTokens());
        assertEquals(2000, usage.cachedTokens());
        assertEquals(300, usage.cacheCreationTokens(), "priced at the cache-write price");
        assertEquals(40, usage.completionTokens());
        assertNull(plain.promptTokensDetails(), "not reported: no details");
        assertEquals("{\"input_tokens\":11,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":2000,\"output_tokens\":40}",
                ChatToMessages.usage(usage).toString(), "back in Anthropic's terms: input_tokens without the cache reads and writes");
        assertEquals("{\"input_tokens\":11,\"output_tokens\":40}", ChatToMessages.usage(plain).toString());
    }

    @Test
    void anEmptyStreamStillHasTheWholeEventSequence() {
        ArrayNode events = Json.MAPPER.createArrayNode();
        MessagesStream stream = new MessagesStream((type, data) -> events.add(type), "requested");
        stream.finish();
        assertEquals("[\"message_start\",\"ping\",\"message_delta\",\"message_stop\"]", events.toString());
    }

    @ParameterizedTest
    @CsvSource({"stop,end_turn", "length,max_tokens", "tool_calls,tool_use", "function_call,tool_use", "content_filter,refusal", "other,end_turn"})
    void finishReasonsMapToStopReasons(String finish, String stop) {
        assertEquals(stop, ChatToMessages.stopReason(finish));
    }

    @ParameterizedTest
    @CsvSource({"1024,low", "2000,medium", "2048,medium", "10000,high"})
    void thinkingBudgetsMapToReasoningEffort(int budget, String effort) {
        var chat = MessagesToChat.translate(parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}}"), false).chat();
        assertEquals(effort, chat.path("reasoning_effort").asText());
    }

    @Test
    void toolChoicesMapToChats() {
        String base = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":";
        assertEquals("\"required\"", MessagesToChat.translate(parse(base + "{\"type\":\"any\"}}"), false).chat().get("tool_choice").toString());
        assertEquals("\"auto\"", MessagesToChat.translate(parse(base + "{\"type\":\"auto\"}}"), false).chat().get("tool_choice").toString());
        assertEquals("\"none\"", MessagesToChat.translate(parse(base + "{\"type\":\"none\"}}"), false).chat().get("tool_choice").toString());
    }

    @Test
    void serverToolsAndUnknownBlocks_areWellFormed_butUntranslatable() {
        var tools = MessagesToChat.translate(parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}"), false);
        assertNotNull(tools.untranslatable());
        assertEquals("tools[0].type", tools.untranslatable().param());
        var block = MessagesToChat.translate(parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"search_result\",\"source\":\"x\"}]}]}"), false);
        assertEquals("messages[0].content[0].type", block.untranslatable().param());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}|model",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}|max_tokens",
            "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}|max_tokens",
            "{\"model\":\"m\",\"max_tokens\":5}|messages",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}|messages",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}|messages[0].role",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}|messages[0].content",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":5}]}|messages[0].content",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}|messages[0].content[0].type",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\"}]}]}|messages[0].content[0].tool_use_id",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"input\":{}}]}]}|messages[0].content[0].name",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":1.5}|temperature",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"system\":5}|system",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"name\":\"f\"}]}|tools[0].input_schema",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":{\"type\":\"tool\"}}|tool_choice.name",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"thinking\":{\"type\":\"enabled\"}}|thinking.budget_tokens",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":{\"user_id\":5}}|metadata.user_id",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop_sequences\":\"x\"}|stop_sequences",
    })
    void malformedRequestsAreRefused_namingTheField(String body, String field) {
        RelayException e = assertThrows(RelayException.class, () -> MessagesToChat.translate(parse(body), false));
        assertEquals(field, e.param(), e.getMessage());
        assertEquals(400, e.kind().status());
    }
}
