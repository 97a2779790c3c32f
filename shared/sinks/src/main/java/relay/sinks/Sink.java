package relay.sinks;

import java.util.List;

/**
 * One third-party log destination, as a pure transform: events in, the vendor's HTTP request out.
 * Sending, timeouts and retries are the {@link Dispatcher}'s. Credentials are read from the key
 * store each time a request is built (the store caches), so a rotated key is picked up.
 */
public interface Sink {
    /** LiteLLM's callback name: {@code supabase}, {@code posthog}, {@code mixpanel}, {@code sentry}, {@code helicone}. */
    String name();

    /** How many events one request may carry (1 where the vendor takes one event per request). */
    default int maxBatch() {
        return 1;
    }

    /** Whether this sink takes the event at all (Sentry takes failures only). */
    default boolean accepts(SinkEvent event) {
        return true;
    }

    /**
     * The vendor's request for these events ({@code events.size() <= maxBatch()}).
     *
     * @throws SinkException not retryable, when the sink's settings (keys) are missing or invalid
     */
    SinkRequest request(List<SinkEvent> events);

    /**
     * Checks a 2xx answer for a failure the vendor reports in the body (Mixpanel answers 200 {@code 0}).
     *
     * @throws SinkException when the vendor did not take the events
     */
    default void checkAccepted(int status, String body) {}
}
