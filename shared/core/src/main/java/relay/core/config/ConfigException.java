package relay.core.config;

/** A configuration Relay cannot start with; the message says which entry and why. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
