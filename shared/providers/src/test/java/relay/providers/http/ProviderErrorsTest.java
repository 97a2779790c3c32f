package relay.providers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

class ProviderErrorsTest {

    @Test
    void googlesRetryInfo_inAn429Body_becomesRetryAfter_roundedUp() {
        String body = """
                {"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED",
                  "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34.4s"}]}}""";

        RelayException e = ProviderErrors.from("gemini (gemini-2.5-pro)", 429, body.getBytes(StandardCharsets.UTF_8), null, null);

        assertEquals(ErrorKind.RATE_LIMIT, e.kind());
        assertEquals("35", e.headers().get("retry-after"));
    }

    @Test
    void aBodyWithoutRetryInfo_addsNoRetryAfter() {
        RelayException e = ProviderErrors.from("openai (gpt-4o)", 429,
                "{\"error\":{\"message\":\"slow down\"}}".getBytes(StandardCharsets.UTF_8), null, "sk-secret-key-123");

        assertFalse(e.headers().containsKey("retry-after"));
        assertEquals("openai (gpt-4o) returned 429: slow down", e.getMessage());
    }

    static void assertNoPartOf(String secret, String text) {
        for (int i = 0; i + 4 <= secret.length(); i++) {
            assertFalse(text.contains(secret.substring(i, i + 4)), "leaks '" + secret.substring(i, i + 4) + "': " + text);
        }
    }

    @Test
    void aPlainTextErrorBody_isScrubbedBeforeItIsCut_whereverTheKeyFalls() {
        String callKey = "tok-live-Q9w8E7r6T5y4U3i2O1pA"; // the call's own key, of no recognisable shape
        String foreignKey = "sk-proj-Zq7Wx3Vb9Nm2Lk5Jh8Gf";
        for (int at = 260; at <= 310; at++) {
            for (String key : new String[] {callKey, foreignKey}) {
                String page = "<html>" + "e".repeat(at - 7) + " " + key + " rejected</html>" + "f".repeat(1000);

                RelayException e = ProviderErrors.from("openai (gpt-4o)", 502, page.getBytes(StandardCharsets.UTF_8), null, callKey);

                assertNoPartOf(key.substring(3), e.getMessage());
                assertTrue(e.getMessage().length() <= "openai (gpt-4o) returned 502: ".length() + ProviderErrors.MAX_TEXT_MESSAGE_CHARS);
            }
        }
    }

    @Test
    void aLongJsonErrorMessage_isCut_afterScrubbing() {
        String callKey = "tok-live-Q9w8E7r6T5y4U3i2O1pA";
        String message = "m".repeat(ProviderErrors.MAX_JSON_MESSAGE_CHARS - 10) + callKey + "n".repeat(50_000);

        RelayException e = ProviderErrors.from("openai (gpt-4o)", 400,
                ("{\"error\":{\"message\":\"" + message + "\"}}").getBytes(StandardCharsets.UTF_8), null, callKey);

        assertNoPartOf(callKey.substring(3), e.getMessage());
        assertTrue(e.getMessage().length() < ProviderErrors.MAX_JSON_MESSAGE_CHARS + 100, "cut: " + e.getMessage().length());
    }
}
