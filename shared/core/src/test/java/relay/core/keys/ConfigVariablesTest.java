package relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigVariablesTest {
    final KeyStore store = new EnvironmentKeyStore(Map.of("VAULT_KEY", "sk-vault", "OPENAI_API_KEY", "sk-env", "OTHER", "o"));

    @Test
    void configNamesWin_literalsAndReferencesAlike_andOtherNamesPassThrough() {
        KeyStore keys = ConfigVariables.over(store, Map.of("OPENAI_API_KEY", "os.environ/VAULT_KEY", "HOST", "https://h.example",
                "GONE", "os.environ/NOT_SET"));

        assertEquals(Optional.of("sk-vault"), keys.find("OPENAI_API_KEY"));
        assertEquals(Optional.of("sk-vault"), keys.resolve("os.environ/OPENAI_API_KEY"));
        assertEquals(Optional.of("https://h.example"), keys.find("HOST"));
        assertEquals(Optional.empty(), keys.find("GONE"));
        assertEquals(Optional.of("o"), keys.find("OTHER"));
        assertFalse(keys.toString().contains("sk-vault"), "never prints a value");
        assertFalse(keys.toString().contains("h.example"));
    }

    @Test
    void withoutVariables_theStoreItself() {
        assertSame(store, ConfigVariables.over(store, Map.of()));
    }
}
