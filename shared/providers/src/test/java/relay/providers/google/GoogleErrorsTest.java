package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.providers.http.ProviderErrors;

/** Google error bodies -> Relay's error kinds, as golden cases in google/errors/cases.json. */
class GoogleErrorsTest {
    static final String KEY = "AIzaSyD-fake-key-0123456789abcdefghij";

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : Golden.json("errors/cases.json")) {
            JsonNode body = c.has("fixture") ? Golden.json("fixtures/" + c.get("fixture").asText()) : c.get("body");
            cases.add(Arguments.of(c.get("name").asText(), c.get("status").asInt(), body, ErrorKind.valueOf(c.get("kind").asText()),
                    c.path("retryAfter").asText(null)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void mapsTheErrorBody(String name, int status, JsonNode body, ErrorKind kind, String retryAfter) {
        RelayException e = GoogleErrors.refine(ProviderErrors.from("gemini (gemini-2.5-flash)", status,
                body.toString().getBytes(StandardCharsets.UTF_8), null, KEY));

        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("gemini (gemini-2.5-flash) returned " + status + ": "), e.getMessage());
        assertEquals(retryAfter, GoogleErrors.retryAfterSeconds(body));
    }

    @Test
    void anErrorInsideAStream_keepsItsKindAndRetryInfo_andNeverTheKey() {
        JsonNode event = Golden.json("fixtures/google-429-retry-info.json");
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("error")).put("message", "quota for key " + KEY + " exceeded");

        RelayException e = GoogleErrors.inStream("gemini (m)", event, KEY);

        assertEquals(ErrorKind.RATE_LIMIT, e.kind());
        assertEquals("35", e.headers().get("retry-after"));
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertTrue(e.getMessage().startsWith("gemini (m) returned 429"), e.getMessage());
    }

    @Test
    void anErrorInsideAStreamWithoutACode_isAProviderError() {
        RelayException e = GoogleErrors.inStream("gemini (m)", Golden.parse("{\"error\":{\"message\":\"boom\"}}"), null);

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
    }

    @Test
    void retryDelay_isRoundedUpToWholeSeconds_andOnlyReadFromRetryInfo() {
        assertEquals("1", GoogleErrors.retryAfterSeconds(Golden.parse(
                "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.2s\"}]}}")));
        assertEquals("7", GoogleErrors.retryAfterSeconds(Golden.parse(
                "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"7s\"}]}}")));
        assertNull(GoogleErrors.retryAfterSeconds(Golden.parse(
                "{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"retryDelay\":\"7s\"}]}}")));
        assertNull(GoogleErrors.retryAfterSeconds(Golden.parse("{\"error\":{\"message\":\"x\"}}")));
    }
}
