package relay.core.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** OpenAI Responses <-> chat, against golden JSON (in src/test/resources/golden/responses). */
class ResponsesTranslationTest {
    static JsonNode golden(String name) {
        try (InputStream in = ResponsesTranslationTest.class.getResourceAsStream("/golden/responses/" + name)) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Output item ids are random: {@code msg_<32 hex>} becomes {@code msg_*}. */
    static JsonNode withoutRandomIds(JsonNode node) {
        try {
            return Json.MAPPER.readTree(Json.write(node).replaceAll("\"(rs|msg|fc)_[0-9a-f]{32}\"", "\"$1_*\""));
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
        var translation = ResponsesToChat.translate((ObjectNode) golden.get("responses_request"), null);
        assertEquals(golden.get("chat_request"), translation.chat());
        assertEquals(golden.get("responses_request").get("input"), translation.input(), "the conversation is kept as given");
        assertEquals(6, RequestParser.chat(translation.chat()).messages().size());
    }

    @Test
    void aPreviousConversationComesBeforeTheNewInput_andItsInstructionsDoNot() {
        ArrayNode previous = (ArrayNode) withoutRandomIds(golden("response-from-chat.json").get("response").get("output"));
        previous.insert(0, Json.object().put("role", "user").put("content", "first"));
        var translation = ResponsesToChat.translate(parse("{\"model\":\"m\",\"instructions\":\"new\",\"input\":["
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"18C\"}]}"), previous);

        var chat = RequestParser.chat(translation.chat());
        assertEquals(java.util.List.of("system", "user", "assistant", "tool"), chat.messages().stream().map(m -> m.role()).toList());
        assertEquals("new", chat.messages().get(0).text());
        assertEquals("Let me check.", chat.messages().get(2).text());
        assertEquals("call_1", chat.messages().get(2).toolCalls().get(0).id());
        assertEquals(previous.size() + 1, translation.input().size());
    }

    @Test
    void aStringInputIsOneUserMessage() {
        var chat = RequestParser.chat(ResponsesToChat.translate(parse("{\"model\":\"m\",\"input\":\"hi\"}"), null).chat());
        assertEquals("user", chat.messages().get(0).role());
        assertEquals("hi", chat.messages().get(0).text());
    }

    @Test
    void aChatAnswerTranslatesToAResponse() throws IOException {
        JsonNode golden = golden("response-from-chat.json");
        var chat = Json.MAPPER.treeToValue(golden.get("chat_response"), ChatCompletionResponse.class);
        ObjectNode response = ChatToResponses.response("resp_fixed", 1700000000, (ObjectNode) golden.get("responses_request"), chat);
        assertEquals(golden.get("response"), withoutRandomIds(response));
    }

    @Test
    void aCutAnswerIsIncomplete() {
        var chat = relay.core.provider.Completions.response("c", 1, "m", "partial", relay.core.wire.Usage.of(1, 1));
        chat = new ChatCompletionResponse(chat.id(), chat.object(), 1, "m",
                java.util.List.of(new ChatCompletionResponse.Choice(0, chat.choices().get(0).message(), "length", null)), chat.usage(), null);
        ObjectNode response = ChatToResponses.response("resp_x", 1, parse("{\"model\":\"m\",\"input\":\"x\"}"), chat);
        assertEquals("incomplete", response.path("status").asText());
        assertEquals("max_output_tokens", response.path("incomplete_details").path("reason").asText());
    }

    @Test
    void chatChunksTranslateToTheResponsesEventSequence() throws IOException {
        JsonNode golden = golden("stream-from-chat.json");
        ArrayNode events = Json.MAPPER.createArrayNode();
        ResponsesStream stream = new ResponsesStream((type, data) -> events.addObject().put("event", type).set("data", data),
                "resp_s", 5, "gpt-group", (ObjectNode) golden.get("responses_request"));
        for (JsonNode chunk : golden.get("chat_chunks")) stream.accept(Json.MAPPER.treeToValue(chunk, ChatCompletionChunk.class));
        ObjectNode response = stream.finish();
        stream.complete(response);

        JsonNode created = events.get(0).path("data").path("response");
        assertEquals("in_progress", created.path("status").asText());
        assertEquals("resp_s", created.path("id").asText());
        assertTrue(created.path("output").isEmpty());
        JsonNode completed = events.get(events.size() - 1).path("data").path("response");
        assertEquals("completed", completed.path("status").asText());
        assertEquals("gpt-x", completed.path("model").asText());
        assertEquals(9, completed.path("usage").path("total_tokens").asInt());
        assertEquals(2, completed.path("usage").path("input_tokens_details").path("cached_tokens").asInt());
        assertEquals(3, completed.path("usage").path("output_tokens_details").path("reasoning_tokens").asInt());
        ArrayNode doneItems = Json.MAPPER.createArrayNode();
        events.forEach(e -> {
            if (e.path("event").asText().equals("response.output_item.done")) doneItems.add(e.path("data").path("item"));
        });
        assertEquals(doneItems, completed.path("output"), "the final output is the items as they were done");
        ((ObjectNode) events.get(0).get("data")).put("response", "<in_progress>");
        ((ObjectNode) events.get(1).get("data")).put("response", "<in_progress>");
        ((ObjectNode) events.get(events.size() - 1).get("data")).put("response", "<completed>");
        assertEquals(golden.get("events"), withoutRandomIds(events));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"input\":\"hi\"}|model",
            "{\"model\":\"m\"}|input",
            "{\"model\":\"m\",\"input\":5}|input",
            "{\"model\":\"m\",\"input\":[]}|input",
            "{\"model\":\"m\",\"input\":[{\"type\":\"message\",\"role\":\"robot\",\"content\":\"x\"}]}|input[0].role",
            "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":\"{}\"}]}|input[0].call_id",
            "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\"}]}|input[0].output",
            "{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}|input[0].type",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}|input[0].content[0].type",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}|input[0].content[0].image_url",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}|tools[0].type",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[]}]}|tools[0].type",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"code_interpreter\"}]}|tools[0].type",
            "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\"}]}|tools[0].name",
            "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"sometimes\"}|tool_choice",
            "{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"web_search_preview\"}}|tool_choice.type",
            "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\"}}}|text.format.schema",
            "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"yaml\"}}}|text.format.type",
            "{\"model\":\"m\",\"input\":\"x\",\"reasoning\":{\"effort\":\"extreme\"}}|reasoning.effort",
            "{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}|max_output_tokens",
            "{\"model\":\"m\",\"input\":\"x\",\"temperature\":3}|temperature",
            "{\"model\":\"m\",\"input\":\"x\",\"background\":true}|background",
    })
    void malformedRequestsAreRefused_namingTheField(String body, String field) {
        // refused at once, or (for a deployment that speaks the Responses API natively, which may take it) when a
        // deployment needs the translation
        RelayException e = assertThrows(RelayException.class, () -> {
            var translation = ResponsesToChat.translate(parse(body), null);
            if (translation.untranslatable() != null) throw translation.untranslatable();
        });
        assertEquals(field, e.param(), e.getMessage());
        assertEquals(400, e.kind().status());
    }
}
