package relay.core.error;

/**
 * Unicode's bidirectional controls (LRE … RLO, the isolates, the marks, ALM): invisible characters that reorder
 * the text around them, so an echoed model name or path could make an error message read differently from what
 * it says ("Trojan Source"). Text a client sent is never echoed with them.
 */
public final class BidiControls {
    private BidiControls() {}

    public static boolean is(int codePoint) {
        return codePoint == 0x061C // ARABIC LETTER MARK
                || codePoint == 0x200E || codePoint == 0x200F // LRM, RLM
                || (codePoint >= 0x202A && codePoint <= 0x202E) // LRE, RLE, PDF, LRO, RLO
                || (codePoint >= 0x2066 && codePoint <= 0x2069); // LRI, RLI, FSI, PDI
    }

    /**
     * {@code text} with each bidirectional control replaced by its visible escape (a backslash, {@code u} and
     * four hex digits): the control is gone, and a message that quotes what the client sent still says truly what that was. Null stays null.
     */
    public static String neutralize(String text) {
        if (text == null || text.chars().noneMatch(BidiControls::is)) return text;
        StringBuilder kept = new StringBuilder(text.length() + 8);
        text.chars().forEach(c -> {
            if (is(c)) kept.append(String.format("\\u%04X", c));
            else kept.append((char) c);
        });
        return kept.toString();
    }
}
