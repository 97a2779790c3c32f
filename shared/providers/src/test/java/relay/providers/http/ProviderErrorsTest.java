package relay.providers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
