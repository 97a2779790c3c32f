package relay.core.keys;

import java.util.Map;
import java.util.Optional;

/** Keys from environment variables: what the local server and tests use. */
public final class EnvironmentKeyStore implements KeyStore {
    private final Map<String, String> environment;

    public EnvironmentKeyStore(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static EnvironmentKeyStore fromSystem() {
        return new EnvironmentKeyStore(System.getenv());
    }

    @Override
    public Optional<String> find(String name) {
        return Optional.ofNullable(environment.get(name));
    }
}
