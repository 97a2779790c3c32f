package relay.core.error;

import java.util.regex.Pattern;

/** Removes keys from text that may reach a client or a log, such as a provider's error message. */
public final class Redaction {
    /** Shapes of provider keys (OpenAI/Anthropic {@code sk-…}, Google {@code AIza…}, bearer tokens). */
    private static final Pattern KEY_LIKE = Pattern.compile(
            "\\b(sk-[A-Za-z0-9_\\-*]{6,}|AIza[0-9A-Za-z_\\-]{20,}|(?i:bearer)\\s+[A-Za-z0-9._\\-~+/]{8,}=*)");

    private Redaction() {}

    /**
     * Longer than any key the patterns or a known secret can be; a cut text keeps this much beyond its limit
     * while it is scrubbed, so a key straddling the cut is seen whole.
     */
    public static final int LONGEST_SECRET = 4096;

    /**
     * {@code text} scrubbed, then cut to at most {@code maxChars}: always in that order, because a key cut first
     * is no longer recognisable and its first part would survive. Only the start of a long text is scrubbed (the
     * limit plus a margin), so a huge text costs no more than a short one.
     */
    public static String scrubAndCut(String text, String knownSecret, int maxChars) {
        if (text == null) return null;
        if (text.length() <= maxChars) return scrub(text, knownSecret);
        boolean windowed = text.length() > maxChars + 2L * LONGEST_SECRET;
        String scrubbed = scrub(windowed ? text.substring(0, maxChars + 2 * LONGEST_SECRET) : text, knownSecret);
        // the window's own cut may have split a key too short to recognise: its last stretch goes unread
        if (windowed) scrubbed = scrubbed.substring(0, Math.max(0, scrubbed.length() - LONGEST_SECRET));
        return scrubbed.length() <= maxChars ? scrubbed : scrubbed.substring(0, maxChars);
    }

    public static String scrub(String text, String knownSecret) {
        if (text == null) return null;
        String scrubbed = text;
        if (knownSecret != null && knownSecret.length() >= 4) scrubbed = scrubbed.replace(knownSecret, "[redacted]");
        return KEY_LIKE.matcher(scrubbed).replaceAll("[redacted]");
    }
}
