package relay.core.error;

import java.util.regex.Pattern;

/** Removes keys from text that may reach a client or a log, such as a provider's error message. */
public final class Redaction {
    /** Shapes of provider keys (OpenAI/Anthropic {@code sk-…}, Google {@code AIza…}, bearer tokens). */
    private static final Pattern KEY_LIKE = Pattern.compile(
            "\\b(sk-[A-Za-z0-9_\\-*]{6,}|AIza[0-9A-Za-z_\\-]{20,}|(?i:bearer)\\s+[A-Za-z0-9._\\-~+/]{8,}=*)");

    private Redaction() {}

    public static String scrub(String text, String knownSecret) {
        if (text == null) return null;
        String scrubbed = text;
        if (knownSecret != null && knownSecret.length() >= 4) scrubbed = scrubbed.replace(knownSecret, "[redacted]");
        return KEY_LIKE.matcher(scrubbed).replaceAll("[redacted]");
    }
}
