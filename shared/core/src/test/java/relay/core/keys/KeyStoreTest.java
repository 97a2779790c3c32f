package relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyStoreTest {
    private final KeyStore keys = new EnvironmentKeyStore(Map.of(
            "OPENAI_API_KEY", "sk-from-store-123456",
            "BLANK_KEY", "   "));

    @Test
    void resolve_environReference_readsTheStore() {
        assertEquals(Optional.of("sk-from-store-123456"), keys.resolve("os.environ/OPENAI_API_KEY"));
    }

    @Test
    void resolve_environReferenceToAnAbsentName_isEmpty() {
        assertEquals(Optional.empty(), keys.resolve("os.environ/NOT_THERE"));
        assertEquals(Optional.empty(), keys.resolve("os.environ/"));
    }

    @Test
    void resolve_environReferenceToABlankValue_isEmpty() {
        assertEquals(Optional.empty(), keys.resolve("os.environ/BLANK_KEY"));
    }

    @Test
    void resolve_literal_isTheValueItself() {
        assertEquals(Optional.of("sk-literal"), keys.resolve("sk-literal"));
        // a name without the prefix is a literal, not a lookup
        assertEquals(Optional.of("OPENAI_API_KEY"), keys.resolve("OPENAI_API_KEY"));
    }

    @Test
    void resolve_nullOrBlank_isEmpty() {
        assertEquals(Optional.empty(), keys.resolve(null));
        assertEquals(Optional.empty(), keys.resolve(""));
        assertEquals(Optional.empty(), keys.resolve("  "));
    }

    @Test
    void find_looksUpByExactName() {
        assertEquals(Optional.of("sk-from-store-123456"), keys.find("OPENAI_API_KEY"));
        assertEquals(Optional.empty(), keys.find("openai_api_key"));
    }
}
