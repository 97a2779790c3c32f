package relay.providers.google;

import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * OpenAI tool call ids for Gemini's function calls, which have none. Gemini 3 attaches a
 * {@code thoughtSignature} to a function call and rejects the next turn (400) unless it comes back with
 * that call; a stateless gateway can only carry it in the one field every client echoes: the id.
 */
public final class ToolCallIds {
    /** Between the id and the signature (LiteLLM uses the same separator, so its ids round-trip here too). */
    public static final String SIGNATURE_SEPARATOR = "__thought__";
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToolCallIds() {}

    /** Random ids such as {@code call_3kT9…}: unique across turns, as clients expect. */
    public static final Supplier<String> RANDOM_IDS = () -> {
        StringBuilder id = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return id.toString();
    };

    /** The id for a call: a fresh one, with the call's thought signature appended when it has one. */
    public static String of(Supplier<String> ids, String thoughtSignature) {
        String id = ids.get();
        return thoughtSignature == null || thoughtSignature.isEmpty() ? id : id + SIGNATURE_SEPARATOR + thoughtSignature;
    }

    /** The thought signature an id carries, or null. */
    public static String signature(String id) {
        if (id == null) return null;
        int at = id.indexOf(SIGNATURE_SEPARATOR);
        if (at < 0) return null;
        String signature = id.substring(at + SIGNATURE_SEPARATOR.length());
        return signature.isEmpty() ? null : signature;
    }
}
