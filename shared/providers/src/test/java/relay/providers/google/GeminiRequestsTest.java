package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/** OpenAI chat requests -> Gemini {@code generateContent} bodies, as golden pairs under google/requests/. */
class GeminiRequestsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "system-and-history", "generation-config", "max-tokens-and-stop-list", "tools-with-schema-cleaning",
            "tool-choice-named", "legacy-functions", "tool-round-trip", "gemini-3-unsigned-call", "vision-and-files",
            "json-mode", "json-schema", "only-instructions"})
    void buildsTheGeminiBody(String name) {
        JsonNode golden = Golden.json("requests/" + name + ".json");

        JsonNode body = GeminiRequests.build(Golden.chatRequest(golden.get("openai")), golden.get("model").asText());

        Golden.assertJson(golden.get("gemini"), body, name);
    }

    @ParameterizedTest
    @CsvSource({"auto, AUTO", "none, NONE", "required, ANY"})
    void toolChoiceStrings_becomeFunctionCallingModes(String choice, String mode) {
        JsonNode body = build("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"" + choice + "\"}");

        assertEquals(mode, body.path("toolConfig").path("functionCallingConfig").path("mode").asText());
    }

    @Test
    void gemini3_keepsARealSignature_andAddsNoStandIn() {
        JsonNode body = GeminiRequests.build(Golden.chatRequest(Golden.parse("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1__thought__real\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1__thought__real\",\"content\":\"ok\"}]}")), "gemini-3-flash-preview");

        assertEquals("real", body.path("contents").get(1).path("parts").get(0).path("thoughtSignature").asText());
    }

    @Test
    void olderModels_getNoSignatureStandIn() {
        JsonNode golden = Golden.json("requests/gemini-3-unsigned-call.json");

        JsonNode body = GeminiRequests.build(Golden.chatRequest(golden.get("openai")), "gemini-2.5-pro");

        assertTrue(body.path("contents").get(1).path("parts").get(0).path("thoughtSignature").isMissingNode());
    }

    @Test
    void aToolResultForAnUnknownCall_is400NamingTheField() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_x\",\"content\":\"ok\"}]}");

        assertEquals("messages[1].tool_call_id", e.param());
        assertTrue(e.getMessage().contains("call_x"), e.getMessage());
    }

    @Test
    void toolCallArgumentsThatAreNotAJsonObject_are400NamingTheField() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"[1,2\"}}]}]}");

        assertEquals("messages[1].tool_calls[0].function.arguments", e.param());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/a.png\"}}|messages[0].content[0].image_url.url",
            "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,notbase64\"}}|messages[0].content[0].image_url.url",
            "{\"type\":\"video_url\",\"video_url\":\"x\"}|messages[0].content[0].type",
            "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\"}}|messages[0].content[0].file"})
    void contentGeminiCannotTake_is400NamingThePart(String part, String param) {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[" + part + "]}]}");

        assertEquals(param, e.param());
    }

    @Test
    void anImageInASystemMessage_is400() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"}}]},{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals("messages[0].content[0]", e.param());
    }

    @Test
    void aNonFunctionTool_is400() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"web_search\"}]}");

        assertEquals("tools[0].type", e.param());
    }

    @Test
    void aSeedBeyond32Bits_is400() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":4294967296}");

        assertEquals("seed", e.param());
    }

    @Test
    void jsonSchemaWithoutSchema_is400() {
        RelayException e = invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}}");

        assertEquals("response_format.json_schema.schema", e.param());
    }

    private static JsonNode build(String json) {
        return GeminiRequests.build(Golden.chatRequest(Golden.parse(json)), "gemini-2.5-flash");
    }

    private static RelayException invalid(String json) {
        RelayException e = assertThrows(RelayException.class, () -> build(json));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        return e;
    }
}
