package relay.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void scrub_removesOpenAiAndAnthropicStyleKeys() {
        String openAi = "sk-proj-AbCdEf0123456789_xyz-ABC";
        String anthropic = "sk-ant-api03-AbCdEf0123456789";
        String masked = "sk-proj-abc*************wxyz";

        String text = Redaction.scrub("Incorrect API key provided: " + openAi + ". Also " + anthropic + " and " + masked + ".", null);

        assertFalse(text.contains(openAi), text);
        assertFalse(text.contains(anthropic), text);
        assertFalse(text.contains("abc***"), text);
        assertTrue(text.startsWith("Incorrect API key provided: [redacted]"), text);
    }

    @Test
    void scrub_removesKeysGluedToPunctuation() {
        String text = Redaction.scrub("api_key=sk-abc1234567890 key:'sk-def1234567890' (sk-ghi1234567890)", null);

        assertEquals("api_key=[redacted] key:'[redacted]' ([redacted])", text);
    }

    @Test
    void scrub_removesGoogleKeys() {
        String google = "AIzaSyA-0123456789abcdefghijklmnopqrs";

        String text = Redaction.scrub("API key not valid: " + google, null);

        assertEquals("API key not valid: [redacted]", text);
    }

    @Test
    void scrub_removesBearerTokens() {
        String text = Redaction.scrub("sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig== to upstream", null);

        assertFalse(text.contains("eyJhbGciOiJIUzI1NiJ9"), text);
        assertTrue(text.contains("[redacted]"), text);
        assertTrue(text.endsWith(" to upstream"), text);
    }

    @Test
    void scrub_removesAKnownSecretOfAnyShape() {
        String secret = "tok_live_9f8e7d6c5b4a";

        String text = Redaction.scrub("key " + secret + " was rejected; " + secret, secret);

        assertEquals("key [redacted] was rejected; [redacted]", text);
    }

    @Test
    void scrub_leavesOrdinaryTextAlone() {
        String message = "The model `gpt-4o` does not exist or you do not have access to it (task-oriented).";

        assertEquals(message, Redaction.scrub(message, "sk-unrelated-key-123"));
        assertNull(Redaction.scrub(null, "secret"));
    }
}
