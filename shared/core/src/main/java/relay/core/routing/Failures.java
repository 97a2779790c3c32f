package relay.core.routing;

import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/** How the router treats each kind of failure. */
final class Failures {
    private Failures() {}

    /** Worth trying the same deployment again: transient by nature (408, 409, 429, 5xx, unreachable). */
    static boolean retryable(Throwable e) {
        if (!(e instanceof RelayException relay)) return false;
        return switch (relay.kind()) {
            case REQUEST_TIMEOUT, CONFLICT, RATE_LIMIT, PROVIDER_ERROR, PROVIDER_UNAVAILABLE -> true;
            default -> false;
        };
    }

    /**
     * Whether another deployment or model could succeed where this one failed. A malformed request
     * fails everywhere, so it ends the chain; so does a failure of Relay itself.
     */
    static boolean fallbackable(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST, PAYLOAD_TOO_LARGE, INTERNAL, SERVICE_UNAVAILABLE, METHOD_NOT_ALLOWED, CLIENT_CLOSED -> false;
            default -> true;
        };
    }

    /** Whether the failure is the deployment's fault, and so moves it toward a cool-down. */
    static boolean countsAgainstDeployment(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST, UNSUPPORTED_PARAMS, CONTEXT_WINDOW_EXCEEDED, CONTENT_POLICY, PAYLOAD_TOO_LARGE, CLIENT_CLOSED -> false;
            default -> true;
        };
    }

    /** Rank of a failure when all failed: what the client can act on first, then configuration, then load. */
    static int telling(ErrorKind kind) {
        return switch (kind) {
            case CONTEXT_WINDOW_EXCEEDED, CONTENT_POLICY -> 9;
            case INVALID_REQUEST, UNSUPPORTED_PARAMS -> 8;
            case AUTHENTICATION, PERMISSION_DENIED -> 7;
            case NOT_FOUND, MODEL_NOT_FOUND -> 6;
            case RATE_LIMIT -> 5;
            case REQUEST_TIMEOUT -> 4;
            case PROVIDER_UNAVAILABLE -> 3;
            case PROVIDER_ERROR -> 2;
            default -> 1;
        };
    }
}
