package relay.sinks;

/**
 * A delivery that did not succeed. {@code retryable}: worth another try (timeouts, connection
 * failures, 408/425/429/5xx); otherwise trying again cannot help (a missing key, a 4xx).
 * The message is for the failure queue and the function's log: it never holds a key.
 */
public final class SinkException extends RuntimeException {
    private final boolean retryable;

    public SinkException(String message, boolean retryable) {
        super(message, null, false, false);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }

    public static SinkException notConfigured(String sink, String keyName) {
        return new SinkException(sink + " is configured as a callback but " + keyName + " is not set", false);
    }

    public static SinkException invalidSetting(String sink, String keyName) {
        return new SinkException(sink + ": " + keyName + " is not valid", false);
    }
}
