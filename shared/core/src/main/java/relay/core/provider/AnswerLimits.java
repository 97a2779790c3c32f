package relay.core.provider;

import relay.core.config.RelayConfig;

/**
 * How much of a provider's answer Relay will read: a whole JSON body, and one event (or line) of a stream. Past
 * either, the call fails as the provider's fault (502, naming it) instead of filling the heap: an upstream,
 * broken or hostile, must not be able to take the process down with one answer.
 *
 * <p>The defaults are generous. 32 MB for a body is LiteLLM's recommended {@code max_response_size_mb}; the
 * largest real answers are embedding batches (2,048 inputs of 1,536 float32 dimensions, base64, are about
 * 17 MB) and a chat answer of 128k tokens with logprobs (a few MB), and 32 MB still leaves a 1 GB heap room for
 * several at once. 8 MB for one stream event is a hundred times any real one (a delta carries a few tokens; a
 * whole tool call's arguments arriving in one event are kilobytes).
 *
 * @param bodyBytes  the most bytes of a whole (non-streamed) answer
 * @param eventBytes the most bytes of one stream event or line
 */
public record AnswerLimits(long bodyBytes, int eventBytes) {
    public static final long DEFAULT_BODY_BYTES = 32L * 1024 * 1024;
    public static final int DEFAULT_EVENT_BYTES = 8 * 1024 * 1024;
    public static final AnswerLimits DEFAULT = new AnswerLimits(DEFAULT_BODY_BYTES, DEFAULT_EVENT_BYTES);

    public AnswerLimits {
        if (bodyBytes <= 0 || eventBytes <= 0) throw new IllegalArgumentException("answer limits must be positive");
    }

    /** {@code general_settings.max_response_size_mb} and {@code max_stream_event_size_mb}, else the defaults. */
    public static AnswerLimits from(RelayConfig.GeneralSettings settings) {
        Double body = settings.maxResponseSizeMb();
        Double event = settings.maxStreamEventSizeMb();
        return new AnswerLimits(body == null ? DEFAULT_BODY_BYTES : bytes(body),
                event == null ? DEFAULT_EVENT_BYTES : (int) Math.min(Integer.MAX_VALUE - 8, bytes(event)));
    }

    private static long bytes(double megabytes) {
        return Math.max(1, (long) (megabytes * 1024 * 1024));
    }

    /** {@code bytes} as people read it: "32 MB", "512 KB". */
    public static String describe(long bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return bytes / (1024 * 1024) + " MB";
        if (bytes >= 1024 && bytes % 1024 == 0) return bytes / 1024 + " KB";
        return bytes + " bytes";
    }
}
