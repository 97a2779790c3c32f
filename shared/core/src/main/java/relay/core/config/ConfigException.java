package relay.core.config;

/**
 * A configuration Relay cannot start with; the message says which entry and why. Thrown with the setting's path
 * ({@code model_list[2].litellm_params.model}), it is placed in its file by {@link ConfigFile}: the file, the line
 * and the setting in one message.
 */
public class ConfigException extends RuntimeException {
    private final String setting;
    private final boolean located;

    public ConfigException(String message) {
        this(null, message);
    }

    /**
     * @param setting the setting's path as the file writes it ({@code router_settings.allowed_fails},
     *                {@code model_list[0].litellm_params.model}); null when no one setting is at fault
     */
    public ConfigException(String setting, String problem) {
        this(setting, setting == null ? problem : setting + ": " + problem, false);
    }

    private ConfigException(String setting, String message, boolean located) {
        super(message);
        this.setting = setting;
        this.located = located;
    }

    /** The setting at fault, or null. */
    public String setting() {
        return setting;
    }

    /** Whether the message already names the file (and line) it is about. */
    public boolean located() {
        return located;
    }

    /** This error with {@code where} ({@code config.yaml:12}) in front of its message. */
    ConfigException at(String where) {
        return new ConfigException(setting, where + ": " + getMessage(), true);
    }

    /** Stack traces of a config error help nobody: the message says it all, and a user should see only that. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
