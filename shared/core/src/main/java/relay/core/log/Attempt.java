package relay.core.log;

/**
 * One try at one deployment, as the request log keeps it.
 *
 * @param deployment {@code provider/model}
 * @param status     the HTTP status of the failure, or 200
 * @param errorType  Relay's error code for the failure ({@code rate_limit_exceeded}, {@code cooling_down} …), or null
 * @param message    why it failed, without keys; null on success
 */
public record Attempt(String deployment, int status, String errorType, String message, long latencyMillis) {
    public boolean succeeded() {
        return errorType == null;
    }
}
