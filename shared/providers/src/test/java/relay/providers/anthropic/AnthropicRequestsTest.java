package relay.providers.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/** What Anthropic could not take in any form is a 400 naming the field, before any call is made. */
class AnthropicRequestsTest {
    static ChatCompletionRequest parse(String json) {
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    static RelayException rejected(String json) {
        RelayException e = assertThrows(RelayException.class, () -> AnthropicRequests.toAnthropic(parse(json), "claude", false));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind(), e.getMessage());
        return e;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ftp://example.com/a.png           | messages[0].content[0].image_url",
        "data:image/png,notbase64          | messages[0].content[0].image_url",
        "data:;base64,AAAA                 | messages[0].content[0].image_url"})
    void anImageUrlAnthropicCannotTake_isRejectedNamingThePart(String url, String param) {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"" + url + "\"}}]}]}");

        assertEquals(param, e.param());
    }

    @Test
    void aContentPartOfAnotherType_isRejectedNamingIt() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                + "\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}]}]}");

        assertEquals("messages[0].content[0]", e.param());
        assertTrue(e.getMessage().contains("input_audio"), e.getMessage());
    }

    @Test
    void anImageInASystemMessage_isRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"https://example.com/a.png\"}}]},{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals("messages[0].content", e.param());
    }

    @Test
    void toolCallArgumentsThatAreNotAJsonObject_areRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\","
                + "\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{not json\"}}]}]}");

        assertEquals("messages[1].tool_calls[0].function.arguments", e.param());
    }

    @Test
    void aNonFunctionTool_isRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"web_search_preview\"}]}");

        assertEquals("tools[0].type", e.param());
    }

    @Test
    void anUnknownToolChoice_isRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\"}");

        assertEquals("tool_choice", e.param());
    }

    @Test
    void aFunctionResultWithoutAFunctionCall_isRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"1\"}]}");

        assertEquals("messages[0]", e.param());
    }

    @Test
    void anUnknownResponseFormat_isRejected() {
        RelayException e = rejected("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"yaml\"}}");

        assertEquals("response_format.type", e.param());
    }

    @Test
    void streaming_asksAnthropicToStream() {
        var body = AnthropicRequests.toAnthropic(parse("{\"model\":\"c\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "claude", true);

        assertTrue(body.path("stream").asBoolean());
        assertFalse(body.has("stream_options"), "Anthropic does not know stream_options");
    }

    @Test
    void toolChoiceWithoutTools_isLeftOut_becauseAnthropicRejectsIt() {
        var body = AnthropicRequests.toAnthropic(parse("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tool_choice\":\"auto\"}"), "claude", false);

        assertFalse(body.has("tool_choice"), body.toString());
        assertFalse(body.has("tools"), body.toString());
    }

    @Test
    void anEmailAsUser_isNotSentAsAnthropicUserId() {
        var body = AnthropicRequests.toAnthropic(parse("{\"model\":\"c\",\"user\":\"ada@example.com\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "claude", false);

        assertFalse(body.has("metadata"), body.toString());
    }
}
