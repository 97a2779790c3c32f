package relay.core.error;

import java.util.Map;

/**
 * A failure that becomes one OpenAI-style error response. Its message is shown to the client, so it
 * must never hold a key or a stack trace; it often echoes what the client sent (a model name, a field), so
 * bidirectional controls are neutralized in it here, once for every message.
 */
public class RelayException extends RuntimeException {
    private final ErrorKind kind;
    private final String param;
    private final Map<String, String> headers;

    public RelayException(ErrorKind kind, String message) {
        this(kind, message, null, Map.of(), null);
    }

    public RelayException(ErrorKind kind, String message, String param) {
        this(kind, message, param, Map.of(), null);
    }

    public RelayException(ErrorKind kind, String message, String param, Map<String, String> headers, Throwable cause) {
        super(BidiControls.neutralize(message), cause);
        this.kind = kind;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    public static RelayException invalid(String param, String message) {
        return new RelayException(ErrorKind.INVALID_REQUEST, message, param);
    }

    public ErrorKind kind() { return kind; }

    public String param() { return param; }

    /** Response headers the client should see, such as {@code retry-after}. */
    public Map<String, String> headers() { return headers; }
}
