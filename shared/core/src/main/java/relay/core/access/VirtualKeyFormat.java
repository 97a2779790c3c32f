package relay.core.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** What a virtual key looks like: {@code sk-} and 43 URL-safe characters (256 random bits); stored only as its SHA-256. */
public final class VirtualKeyFormat {
    /** Looser than what Relay makes, so keys of other lengths get a clear 401, yet nothing odd reaches the store. */
    private static final Pattern SHAPE = Pattern.compile("sk-[A-Za-z0-9_-]{20,128}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private VirtualKeyFormat() {}

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A random id for keys' counters and for teams created without one. */
    static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static boolean looksLikeKey(String key) {
        return key != null && SHAPE.matcher(key).matches();
    }

    static boolean looksLikeHash(String text) {
        return text != null && HASH.matcher(text).matches();
    }

    /** The SHA-256 of the key, hex: the request log's {@code key_hash}. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256().digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** Never used itself: {@code getInstance} looks the provider up on every call, a clone does not. */
    private static final MessageDigest SHA_256 = newSha256();

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A fresh SHA-256 digest (the JDK's clones; any other provider's is looked up as before). */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    /** LiteLLM's {@code key_name}: enough to recognise a key, not to use it. */
    static String displayName(String key) {
        return "sk-..." + key.substring(key.length() - 4);
    }

    /** The key in {@code Authorization: Bearer <key>}, or null. */
    static String bearer(String authorizationHeader) {
        if (authorizationHeader == null) return null;
        String header = authorizationHeader.strip();
        if (header.length() <= 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return header.substring(7).strip();
    }
}
