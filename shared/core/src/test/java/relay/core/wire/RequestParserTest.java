package relay.core.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

class RequestParserTest {
    private static final String ONE_MESSAGE = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static ObjectNode object(String json) {
        return RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    private static ChatCompletionRequest chat(String json) {
        return RequestParser.chat(object(json));
    }

    private static EmbeddingRequest embedding(String json) {
        return RequestParser.embedding(object(json));
    }

    /** A chat body with one valid user message plus {@code extra} (a JSON fragment starting with a comma, or empty). */
    private static String chatBody(String extra) {
        return "{\"model\":\"gpt-4o\"," + ONE_MESSAGE + extra + "}";
    }

    private static RelayException invalid(Runnable parse, String expectedParam, String... messageParts) {
        RelayException e = assertThrows(RelayException.class, parse::run);
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind(), e.getMessage());
        assertEquals(expectedParam, e.param(), e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
        return e;
    }

    static Stream<Arguments> nonFiniteNumbers() {
        return Stream.of(
                Arguments.of(",\"logit_bias\":{\"50256\":1e309}", "logit_bias.50256"),
                Arguments.of(",\"logit_bias\":{\"1\":-1E999}", "logit_bias.1"),
                Arguments.of(",\"temperature\":1e309", "temperature"),
                Arguments.of(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"max\":[1,2e400]}}}]",
                        "tools[0].function.parameters.max[1]"));
    }

    @Nested
    class Body {
        @Test
        void parseObject_rejectsNullAndEmptyBody() {
            invalid(() -> RequestParser.parseObject(null), null, "empty");
            invalid(() -> RequestParser.parseObject(new byte[0]), null, "empty");
        }

        @Test
        void parseObject_rejectsWhitespaceBodyAsEmpty() {
            invalid(() -> object(" \n\t "), null, "empty");
        }

        @Test
        void parseObject_rejectsNonJson() {
            invalid(() -> object("model=gpt-4o&stream=true"), null, "not valid JSON");
            invalid(() -> object("{\"model\": \"gpt-4o\""), null, "not valid JSON");
        }

        @Test
        void parseObject_rejectsArrayAndNumberBodies_namingWhatWasSent() {
            invalid(() -> object("[{\"model\":\"gpt-4o\"}]"), null, "must be a JSON object", "an array");
            invalid(() -> object("42"), null, "must be a JSON object", "a number");
            invalid(() -> object("\"text\""), null, "must be a JSON object", "a string");
        }

        @Test
        void parseObject_rejectsInvalidUtf8() {
            byte[] prefix = "{\"model\":\"gpt".getBytes(StandardCharsets.UTF_8);
            byte[] suffix = "\"}".getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[prefix.length + 2 + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            body[prefix.length] = (byte) 0xC3;
            body[prefix.length + 1] = (byte) 0x28;
            System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);

            invalid(() -> RequestParser.parseObject(body), null, "not valid JSON", "UTF-8");
        }

        @Test
        void parseObject_rejectsAnOverlongUtf8Form_insteadOfReadingItAsASlash() {
            // C0 AF is an overlong (forbidden) encoding of '/': a lenient decoder turns "a\xC0\xAFb" into "a/b"
            byte[] prefix = "{\"model\":\"a".getBytes(StandardCharsets.UTF_8);
            byte[] suffix = ("b\"," + ONE_MESSAGE + "}").getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[prefix.length + 2 + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            body[prefix.length] = (byte) 0xC0;
            body[prefix.length + 1] = (byte) 0xAF;
            System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);

            invalid(() -> RequestParser.parseObject(body), null, "UTF-8", "byte " + prefix.length);
        }

        @Test
        void parseObject_acceptsAByteOrderMark_andMultiByteText() {
            byte[] json = chatBody(",\"user\":\"Zoë 日本 😀\"").getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[json.length + 3];
            body[0] = (byte) 0xEF;
            body[1] = (byte) 0xBB;
            body[2] = (byte) 0xBF;
            System.arraycopy(json, 0, body, 3, json.length);

            assertEquals("Zoë 日本 😀", RequestParser.parseObject(body).path("user").asText());
        }

        @ParameterizedTest
        @MethodSource("relay.core.wire.RequestParserTest#nonFiniteNumbers")
        void parseObject_rejectsANumberNoFloatCanHold_namingWhereItIs(String fragment, String param) {
            invalid(() -> object(chatBody(fragment)), param, "'" + param + "'", "finite");
        }

        @Test
        void parseObject_keepsLargeButFiniteNumbers() {
            ObjectNode body = object(chatBody(",\"x\":1e308,\"y\":-1.7e308,\"z\":1e-400,\"n\":123456789012345678901234567890"));

            assertEquals(1e308, body.path("x").doubleValue());
            assertEquals(0.0, body.path("z").doubleValue());
            assertTrue(body.path("n").isBigInteger());
        }

        @Test
        void parseObject_rejectsNestingDeeperThanTheLimit() {
            int depth = Json.MAX_NESTING_DEPTH + 10;
            String bomb = "{\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

            invalid(() -> object(bomb), null, "nested too deeply", String.valueOf(Json.MAX_NESTING_DEPTH));
        }

        @Test
        void parseObject_acceptsNestingWithinTheLimit() {
            int depth = Json.MAX_NESTING_DEPTH - 2; // plus the outer object
            String deep = "{\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

            assertTrue(object(deep).has("x"));
        }
    }

    @Nested
    class Model {
        static Stream<Arguments> badModels() {
            return Stream.of(
                    Arguments.of("{" + ONE_MESSAGE + "}", "required"),
                    Arguments.of("{\"model\":null," + ONE_MESSAGE + "}", "required"),
                    Arguments.of("{\"model\":42," + ONE_MESSAGE + "}", "must be a string"),
                    Arguments.of("{\"model\":[\"gpt-4o\"]," + ONE_MESSAGE + "}", "must be a string"),
                    Arguments.of("{\"model\":\"\"," + ONE_MESSAGE + "}", "must not be empty"),
                    Arguments.of("{\"model\":\"   \"," + ONE_MESSAGE + "}", "must not be empty"),
                    Arguments.of("{\"model\":\"gpt\\u0000-4o\"," + ONE_MESSAGE + "}", "control characters"),
                    Arguments.of("{\"model\":\"gpt-4o\\n\"," + ONE_MESSAGE + "}", "control characters"),
                    Arguments.of("{\"model\":\"gpt\\u202E-4o\"," + ONE_MESSAGE + "}", "right-to-left override"),
                    Arguments.of("{\"model\":\"" + "m".repeat(257) + "\"," + ONE_MESSAGE + "}", "longer than 256"));
        }

        @ParameterizedTest
        @MethodSource("badModels")
        void chat_rejectsBadModel_withParamModel(String body, String messagePart) {
            invalid(() -> chat(body), "model", "'model'", messagePart);
        }

        @Test
        void chat_acceptsModelOfMaximumLength() {
            String name = "m".repeat(256);
            assertEquals(name, chat("{\"model\":\"" + name + "\"," + ONE_MESSAGE + "}").model());
        }
    }

    @Nested
    class Messages {
        @Test
        void chat_rejectsMissingMessages() {
            invalid(() -> chat("{\"model\":\"gpt-4o\"}"), "messages", "'messages' is required");
        }

        @Test
        void chat_rejectsMessagesThatAreNotAnArray() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":{\"role\":\"user\",\"content\":\"hi\"}}"),
                    "messages", "must be an array", "an object");
        }

        @Test
        void chat_rejectsEmptyMessages() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[]}"), "messages", "at least one message");
        }

        @Test
        void chat_rejectsMessageThatIsNotAnObject() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},\"hello\"]}"),
                    "messages[1]", "'messages[1]' must be an object", "a string");
        }

        @Test
        void chat_rejectsMessageWithoutRole() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"hi\"}]}"),
                    "messages[0].role", "'messages[0].role' is required");
        }

        @Test
        void chat_rejectsUnknownRole_listingTheKnownOnes() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}"),
                    "messages[0].role", "'wizard'", "system", "user", "assistant", "tool");
        }

        @ParameterizedTest
        @ValueSource(strings = {"42", "true", "{\"text\":\"hi\"}"})
        void chat_rejectsContentOfWrongType(String content) {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]}"),
                    "messages[0].content", "must be a string or an array of content parts");
        }

        @Test
        void chat_rejectsContentPartWithoutType() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"),
                    "messages[0].content[0]", "'type'");
        }

        @Test
        void chat_rejectsUserMessageWithoutContent() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\"}]}"),
                    "messages[0].content", "'messages[0].content' is required");
        }

        @Test
        void chat_rejectsToolMessageWithoutToolCallId() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                            + "{\"role\":\"tool\",\"content\":\"42\"}]}"),
                    "messages[1].tool_call_id", "required for a tool message");
        }

        @Test
        void chat_acceptsAssistantWithToolCallsAndNullContent() {
            ChatCompletionRequest request = chat("""
                    {"model":"gpt-4o","messages":[
                      {"role":"user","content":"weather in Paris?"},
                      {"role":"assistant","content":null,"tool_calls":[
                        {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                      {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
                    """);

            ChatMessage assistant = request.messages().get(1);
            assertEquals("assistant", assistant.role());
            assertEquals("", assistant.text());
            assertEquals(1, assistant.toolCalls().size());
            assertEquals("call_1", assistant.toolCalls().get(0).id());
            assertEquals("weather", assistant.toolCalls().get(0).function().name());
            assertEquals("{\"city\":\"Paris\"}", assistant.toolCalls().get(0).function().arguments());
            assertEquals("call_1", request.messages().get(2).toolCallId());
        }

        @Test
        void chat_rejectsAssistantWithNullContentAndNoToolCalls() {
            invalid(() -> chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"assistant\",\"content\":null}]}"),
                    "messages[0].content", "required");
        }

        @Test
        void chat_readsTextOfContentParts() {
            ChatCompletionRequest request = chat("""
                    {"model":"gpt-4o","messages":[{"role":"user","content":[
                      {"type":"text","text":"first"},
                      {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
                      {"type":"text","text":"second"}]}]}
                    """);

            assertEquals("first\nsecond", request.lastUserText());
        }
    }

    @Nested
    class Parameters {
        static Stream<Arguments> badParameters() {
            return Stream.of(
                    Arguments.of(",\"temperature\":5", "temperature", "between 0 and 2"),
                    Arguments.of(",\"temperature\":\"hot\"", "temperature", "must be a number"),
                    Arguments.of(",\"top_p\":-1", "top_p", "between 0 and 1"),
                    Arguments.of(",\"presence_penalty\":3", "presence_penalty", "between -2 and 2"),
                    Arguments.of(",\"n\":0", "n", "at least 1"),
                    Arguments.of(",\"n\":1.5", "n", "must be an integer"),
                    Arguments.of(",\"max_tokens\":\"10\"", "max_tokens", "must be an integer, not a string"),
                    Arguments.of(",\"max_tokens\":0", "max_tokens", "at least 1"),
                    Arguments.of(",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", "stop", "up to 4"),
                    Arguments.of(",\"stop\":[\"a\",1]", "stop", "only strings"),
                    Arguments.of(",\"stream\":\"yes\"", "stream", "must be true or false, not a string"),
                    Arguments.of(",\"tools\":{\"type\":\"function\"}", "tools", "must be an array, not an object"),
                    Arguments.of(",\"tool_choice\":5", "tool_choice", "string or an object"),
                    Arguments.of(",\"response_format\":{}", "response_format.type", "'response_format.type'"),
                    Arguments.of(",\"stream_options\":true", "stream_options", "must be an object"),
                    Arguments.of(",\"seed\":\"1\"", "seed", "must be an integer"),
                    Arguments.of(",\"user\":7", "user", "must be a string"));
        }

        @ParameterizedTest
        @MethodSource("badParameters")
        void chat_rejectsBadParameter_namingIt(String extra, String param, String messagePart) {
            invalid(() -> chat(chatBody(extra)), param, "'" + param + "'", messagePart);
        }

        @Test
        void chat_readsTypedParameters() {
            ChatCompletionRequest request = chat(chatBody(",\"stream\":true,\"temperature\":0.5,\"top_p\":1,\"n\":2,"
                    + "\"max_tokens\":10,\"max_completion_tokens\":20,\"stop\":\"END\",\"seed\":42,\"user\":\"u1\","
                    + "\"tools\":[],\"tool_choice\":\"auto\",\"response_format\":{\"type\":\"json_object\"}"));

            assertTrue(request.stream());
            assertEquals(0.5, request.temperature());
            assertEquals(1.0, request.topP());
            assertEquals(2, request.n());
            assertEquals(10, request.maxTokens());
            assertEquals(20, request.maxCompletionTokens());
            assertEquals(List.of("END"), request.stop());
            assertEquals(42L, request.seed());
            assertEquals("u1", request.user());
            assertEquals("auto", request.toolChoice().asText());
            assertEquals("json_object", request.responseFormat().path("type").asText());
        }

        @Test
        void chat_defaultsToNotStreamingAndNoOptionalParameters() {
            ChatCompletionRequest request = chat(chatBody(""));

            assertFalse(request.stream());
            assertNull(request.temperature());
            assertNull(request.maxTokens());
            assertNull(request.stop());
            assertNull(request.mockResponse());
        }
    }

    @Nested
    class PassThrough {
        @Test
        void chat_keepsUnknownFieldsInBody() {
            ChatCompletionRequest request = chat(chatBody(",\"logit_bias\":{\"50256\":-100},\"x_custom\":{\"a\":[1,2]}"));

            assertEquals(-100, request.body().path("logit_bias").path("50256").asInt());
            assertEquals(2, request.body().path("x_custom").path("a").get(1).asInt());
        }

        @Test
        void providerBody_keepsUnknownFields_removesRelayFields_andReplacesModel() {
            ChatCompletionRequest request = chat(chatBody(",\"logit_bias\":{\"50256\":-100},\"x_custom\":true,"
                    + "\"mock_response\":\"canned\",\"fallbacks\":[\"other\"],\"metadata\":{\"team\":\"a\"}"));

            ObjectNode sent = request.providerBody("x");

            assertEquals("x", sent.path("model").asText());
            assertEquals(-100, sent.path("logit_bias").path("50256").asInt());
            assertTrue(sent.path("x_custom").asBoolean());
            assertEquals("hi", sent.path("messages").get(0).path("content").asText());
            assertFalse(sent.has("mock_response"));
            assertFalse(sent.has("fallbacks"));
            assertFalse(sent.has("metadata"));
            // the client's own body is untouched
            assertEquals("gpt-4o", request.body().path("model").asText());
            assertTrue(request.body().has("mock_response"));
            assertEquals("canned", request.mockResponse());
        }
    }

    @Nested
    class Embeddings {
        @Test
        void embedding_acceptsOneString() {
            EmbeddingRequest request = embedding("{\"model\":\"emb\",\"input\":\"hello\"}");

            assertEquals("emb", request.model());
            assertEquals(List.of("hello"), request.input());
            assertFalse(request.tokenInput());
            assertEquals(EmbeddingRequest.EncodingFormat.FLOAT, request.encodingFormat());
        }

        @Test
        void embedding_acceptsAListOfStrings() {
            EmbeddingRequest request = embedding("{\"model\":\"emb\",\"input\":[\"a\",\"b\",\"c\"],\"dimensions\":8}");

            assertEquals(List.of("a", "b", "c"), request.input());
            assertEquals(8, request.dimensions());
        }

        @Test
        void embedding_acceptsTokenArrays_keepingThemInTheBody() {
            EmbeddingRequest flat = embedding("{\"model\":\"emb\",\"input\":[1,2,3]}");
            EmbeddingRequest nested = embedding("{\"model\":\"emb\",\"input\":[[1,2],[3]]}");

            assertTrue(flat.tokenInput());
            assertTrue(flat.input().isEmpty());
            assertTrue(nested.tokenInput());
            assertEquals(3, nested.providerBody("m").path("input").get(0).size() + nested.providerBody("m").path("input").get(1).size());
        }

        @Test
        void embedding_rejectsStringsMixedWithTokens() {
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":[\"a\",[1,2]]}"), "input", "mixes strings and token ids");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":[1,\"a\"]}"), "input", "mixes strings and token ids");
        }

        @Test
        void embedding_rejectsEmptyStrings() {
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":\"\"}"), "input", "empty");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":[\"a\",\"\"]}"), "input", "empty");
        }

        @Test
        void embedding_rejectsMissingEmptyOrWrongInput() {
            invalid(() -> embedding("{\"model\":\"emb\"}"), "input", "'input' is required");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":[]}"), "input", "non-empty");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":42}"), "input", "a number");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":[\"a\",{\"t\":1}]}"), "input[1]", "'input[1]'", "an object");
            invalid(() -> embedding("{\"input\":\"a\"}"), "model", "'model' is required");
        }

        @Test
        void embedding_readsEncodingFormat() {
            assertEquals(EmbeddingRequest.EncodingFormat.BASE64,
                    embedding("{\"model\":\"emb\",\"input\":\"a\",\"encoding_format\":\"base64\"}").encodingFormat());
            assertEquals(EmbeddingRequest.EncodingFormat.FLOAT,
                    embedding("{\"model\":\"emb\",\"input\":\"a\",\"encoding_format\":\"float\"}").encodingFormat());
        }

        @Test
        void embedding_rejectsOtherEncodingFormats() {
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":\"a\",\"encoding_format\":\"binary\"}"),
                    "encoding_format", "\"float\" or \"base64\"");
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":\"a\",\"encoding_format\":1}"),
                    "encoding_format", "must be a string");
        }

        @Test
        void embedding_rejectsDimensionsOutOfRange() {
            invalid(() -> embedding("{\"model\":\"emb\",\"input\":\"a\",\"dimensions\":0}"), "dimensions", "at least 1");
        }

        @Test
        void embedding_providerBodyReplacesModelAndKeepsUnknownFields() {
            ObjectNode sent = embedding("{\"model\":\"emb\",\"input\":\"a\",\"x_custom\":1,\"metadata\":{}}").providerBody("text-embedding-3-small");

            assertEquals("text-embedding-3-small", sent.path("model").asText());
            assertEquals(1, sent.path("x_custom").asInt());
            assertFalse(sent.has("metadata"));
        }
    }
}
