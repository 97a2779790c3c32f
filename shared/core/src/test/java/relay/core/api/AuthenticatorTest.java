package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.keys.EnvironmentKeyStore;

class AuthenticatorTest {
    private static final String MASTER_KEY = "sk-relay-master-0123456789";

    private static Authenticator withMasterKey(boolean required) {
        return new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY)),
                "os.environ/RELAY_MASTER_KEY", required);
    }

    private static Authenticator withoutMasterKey(boolean required) {
        return new Authenticator(new EnvironmentKeyStore(Map.of()), "os.environ/RELAY_MASTER_KEY", required);
    }

    private static void assertRejected(Authenticator auth, String header) {
        RelayException e = assertThrows(RelayException.class, () -> auth.check(header));
        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertEquals(401, e.kind().status());
        assertFalse(e.getMessage().contains(MASTER_KEY), e.getMessage());
    }

    @Test
    void check_rightKey_passes() {
        assertDoesNotThrow(() -> withMasterKey(true).check("Bearer " + MASTER_KEY));
        assertDoesNotThrow(() -> withMasterKey(true).check("bearer " + MASTER_KEY + "  "));
    }

    @Test
    void check_wrongKey_isAuthenticationError() {
        assertRejected(withMasterKey(true), "Bearer sk-relay-master-012345678");
        assertRejected(withMasterKey(true), "Bearer " + MASTER_KEY + "x");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void check_missingHeader_isAuthenticationError(String header) {
        RelayException e = assertThrows(RelayException.class, () -> withMasterKey(true).check(header));
        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("Missing API key"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic x", "Bearer ", "Bearer", "Bearer    ", MASTER_KEY, "Token " + MASTER_KEY})
    void check_malformedHeader_isAuthenticationError(String header) {
        assertRejected(withMasterKey(true), header);
    }

    @Test
    void check_masterKeyRequiredButAbsent_isServiceUnavailable() {
        Authenticator auth = withoutMasterKey(true);

        RelayException e = assertThrows(RelayException.class, () -> auth.check("Bearer anything"));

        assertEquals(ErrorKind.SERVICE_UNAVAILABLE, e.kind());
        assertEquals(503, e.kind().status());
        assertFalse(auth.ready());
    }

    @Test
    void check_masterKeyNotRequiredAndAbsent_isOpen() {
        Authenticator auth = withoutMasterKey(false);

        assertDoesNotThrow(() -> auth.check(null));
        assertDoesNotThrow(() -> auth.check("Bearer whatever"));
        assertTrue(auth.ready());
    }

    @Test
    void masterKey_comesFromConfigElseFromTheKeyStoreName() {
        var literal = new Authenticator(new EnvironmentKeyStore(Map.of()), "sk-literal-master", true);
        var fallback = new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY)), null, true);
        var blank = new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", " ")), null, true);

        assertEquals(Optional.of("sk-literal-master"), literal.masterKey());
        assertEquals(Optional.of(MASTER_KEY), fallback.masterKey());
        assertEquals(Optional.empty(), blank.masterKey());
        assertDoesNotThrow(() -> fallback.check("Bearer " + MASTER_KEY));
        assertTrue(withMasterKey(true).ready());
    }
}
