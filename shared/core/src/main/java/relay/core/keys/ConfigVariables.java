package relay.core.keys;

import java.util.Map;
import java.util.Optional;

/**
 * LiteLLM's {@code environment_variables} over a key store: LiteLLM sets them in its process environment at
 * startup; Relay answers them from the key store's view instead, so {@code os.environ/NAME} references (a
 * deployment's {@code api_key}, the master key, a log sink's key) find them. A value may itself be an
 * {@code os.environ/NAME} reference, resolved in the underlying store. The config's names win, as they do in
 * LiteLLM. No value is ever printed: they are usually keys.
 */
public final class ConfigVariables implements KeyStore {
    private final KeyStore keys;
    private final Map<String, String> variables;

    private ConfigVariables(KeyStore keys, Map<String, String> variables) {
        this.keys = keys;
        this.variables = Map.copyOf(variables);
    }

    /** {@code keys} with {@code variables} over it; {@code keys} itself when there are none. */
    public static KeyStore over(KeyStore keys, Map<String, String> variables) {
        return variables == null || variables.isEmpty() ? keys : new ConfigVariables(keys, variables);
    }

    @Override
    public Optional<String> find(String name) {
        String value = variables.get(name);
        return value == null ? keys.find(name) : keys.resolve(value);
    }

    @Override
    public String toString() {
        return "ConfigVariables" + variables.keySet() + " over " + keys.getClass().getSimpleName();
    }
}
