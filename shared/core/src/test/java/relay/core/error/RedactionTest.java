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

    /** No run of 4 or more characters of the secret part of {@code key} survives in {@code text}. */
    static void assertNoPartOf(String secretPart, String text) {
        for (int i = 0; i + 4 <= secretPart.length(); i++) {
            String piece = secretPart.substring(i, i + 4);
            assertFalse(text.contains(piece), "leaks '" + piece + "' of the key: " + text);
        }
    }

    @Test
    void scrubAndCut_neverLeavesPartOfAKeyThatStraddlesTheCut() {
        String secretPart = "Zq7Wx3Vb9Nm2Lk5Jh8Gf";
        String key = "sk-proj-" + secretPart;
        for (int at = 270; at <= 305; at++) {
            String text = "x".repeat(at) + " " + key + " and the rest of the page " + "y".repeat(500);

            String cut = Redaction.scrubAndCut(text, null, 300);

            assertTrue(cut.length() <= 300, "at " + at + ": " + cut.length());
            assertNoPartOf(secretPart, cut);
        }
    }

    @Test
    void scrubAndCut_removesAKnownSecretStraddlingTheCut_inAHugeText() {
        String secret = "tok_live_9f8e7d6c5b4aQwErTy";
        for (int at : new int[] {990, 995, 1000, 1005, 1000 + 2 * Redaction.LONGEST_SECRET - 10}) {
            String text = "z".repeat(at) + secret + "z".repeat(200_000);

            String cut = Redaction.scrubAndCut(text, secret, 1000);

            assertTrue(cut.length() <= 1000);
            assertNoPartOf(secret, cut);
        }
    }

    @Test
    void scrubAndCut_keepsShortTextWhole_andScrubsIt() {
        assertEquals("key [redacted] bad", Redaction.scrubAndCut("key sk-abcdef123456 bad", null, 300));
        assertEquals("0123456789", Redaction.scrubAndCut("0123456789abcdef", null, 10));
        assertNull(Redaction.scrubAndCut(null, null, 10));
    }
}
