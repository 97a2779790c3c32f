package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/** OpenAI chat requests -> Converse bodies, as golden pairs under resources/bedrock/request/. */
class ConverseRequestsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "system-history-and-settings",
            "max-completion-tokens-wins",
            "tools-with-named-choice",
            "tools-required",
            "tool-results-merge-into-one-user-turn",
            "tool-history-without-tools-declares-them",
            "tool-choice-none-keeps-history-tools-unforced",
            "tool-choice-none-without-history-offers-no-tools",
            "image-data-url",
            "json-object-mode-forces-the-json-tool",
            "json-schema-mode-uses-the-schema",
            "legacy-functions-become-tools"})
    void openAiRequest_becomesTheGoldenConverseBody(String name) {
        var converse = ConverseRequests.toConverse(Golden.chatRequest("request/" + name + ".openai.json"));

        Golden.assertJson(Golden.json("request/" + name + ".bedrock.json"), converse.body());
    }

    @Test
    void jsonMode_andLegacyFunctions_areRememberedForReadingTheAnswer() {
        assertTrue(ConverseRequests.toConverse(Golden.chatRequest("request/json-object-mode-forces-the-json-tool.openai.json")).shape().jsonMode());
        assertTrue(ConverseRequests.toConverse(Golden.chatRequest("request/legacy-functions-become-tools.openai.json")).shape().legacyFunctions());
        var plain = ConverseRequests.toConverse(Golden.chatRequest("request/tools-required.openai.json")).shape();
        assertFalse(plain.jsonMode());
        assertFalse(plain.legacyFunctions());
    }

    static ChatCompletionRequest chat(String json) {
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    static RelayException rejected(String json) {
        RelayException e = assertThrows(RelayException.class, () -> ConverseRequests.toConverse(chat(json)));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        return e;
    }

    @Test
    void httpImageUrl_isRejected_becauseRelayDoesNotFetchImagesForBedrock() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""");
        assertEquals("messages[0].content[0]", e.param());
        assertTrue(e.getMessage().contains("data: URL"), e.getMessage());
    }

    @Test
    void unsupportedImageFormat_isRejectedNamingTheFormat() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""");
        assertTrue(e.getMessage().contains("bmp"), e.getMessage());
    }

    @Test
    void audioPart_isRejectedNamingThePart() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}""");
        assertEquals("messages[0].content[0]", e.param());
    }

    @Test
    void responseFormatWithTools_isRejected_becauseJsonModeIsAForcedTool() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"},
                 "tools":[{"type":"function","function":{"name":"f"}}]}""");
        assertEquals("response_format", e.param());
    }

    @Test
    void unknownToolChoice_isRejected() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"sometimes",
                 "tools":[{"type":"function","function":{"name":"f"}}]}""");
        assertEquals("tool_choice", e.param());
    }

    @Test
    void nonFunctionTool_isRejected() {
        RelayException e = rejected("""
                {"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search"}]}""");
        assertEquals("tools[0].type", e.param());
    }

    @Test
    void toolCallArgumentsThatAreNotJson_areRejected() {
        rejected("""
                {"model":"m","messages":[{"role":"user","content":"hi"},
                 {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{oops"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"x"}]}""");
    }

    @Test
    void blankTextAndEmptyTurns_areLeftOut_becauseConverseRejectsThem() {
        var body = ConverseRequests.toConverse(chat("""
                {"model":"m","messages":[{"role":"system","content":" "},{"role":"user","content":"hi"},
                 {"role":"assistant","content":""},{"role":"user","content":"again"}]}""")).body();

        assertFalse(body.has("system"));
        assertEquals(1, body.path("messages").size());
        assertEquals(2, body.path("messages").get(0).path("content").size());
    }
}
