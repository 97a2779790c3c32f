package relay.core.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.keys.KeyStore;

/**
 * Checks {@code Authorization: Bearer <master key>}. The master key is {@code general_settings.master_key}
 * (usually {@code os.environ/RELAY_MASTER_KEY}), else the key store's {@code RELAY_MASTER_KEY}.
 * Where a master key is required (on AWS), Relay refuses to serve without one; locally, no master key
 * means an open server bound to loopback.
 */
public final class Authenticator {
    public static final String MASTER_KEY_NAME = "RELAY_MASTER_KEY";

    private final KeyStore keys;
    private final String masterKeyConfig;
    private final boolean masterKeyRequired;

    public Authenticator(KeyStore keys, String masterKeyConfig, boolean masterKeyRequired) {
        this.keys = keys;
        this.masterKeyConfig = masterKeyConfig;
        this.masterKeyRequired = masterKeyRequired;
    }

    public Optional<String> masterKey() {
        return keys.resolve(masterKeyConfig).or(() -> keys.find(MASTER_KEY_NAME)).filter(k -> !k.isBlank());
    }

    /** False when Relay must refuse to serve: a master key is required and there is none. */
    public boolean ready() {
        return !masterKeyRequired || masterKey().isPresent();
    }

    public void check(String authorizationHeader) {
        Optional<String> masterKey = masterKey();
        if (masterKey.isEmpty()) {
            if (masterKeyRequired) {
                throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "Relay has no master key configured ("
                        + MASTER_KEY_NAME + " in its secret) and refuses to serve requests until it has one.");
            }
            return;
        }
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw new RelayException(ErrorKind.AUTHENTICATION,
                    "Missing API key: send the header 'Authorization: Bearer <your Relay key>'.");
        }
        String header = authorizationHeader.strip();
        if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new RelayException(ErrorKind.AUTHENTICATION,
                    "Malformed Authorization header: expected 'Bearer <your Relay key>'.");
        }
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, masterKey.get().getBytes(StandardCharsets.UTF_8))) {
            throw new RelayException(ErrorKind.AUTHENTICATION, "Incorrect API key provided.");
        }
    }
}
