package relay.core.api;

import relay.core.error.RelayException;

/**
 * An API Relay serves beside OpenAI's own routes (Anthropic's Messages, OpenAI's Responses): the
 * paths it answers, where its caller's key is, the shape of its errors. {@link RelayApi} routes to
 * it, checks the key and keeps the request log as for any route; the endpoint parses, answers and
 * frames its own stream through the {@link EndpointCall}.
 */
public interface Endpoint {
    /** Whether this endpoint answers {@code path}, given without {@code /v1} and trailing slashes ({@code /messages}). */
    boolean serves(String path);

    /** Answers the call; a {@link RelayException} it throws reaches the client in this API's error shape. */
    void answer(EndpointCall call);

    /** The body of an error response in this API's shape. */
    Object errorBody(RelayException e);

    /**
     * The Server-Sent Event that ends a stream a failure broke off after it started (the whole
     * event, {@code event:}/{@code data:} lines and the blank line).
     */
    String errorEvent(RelayException e);

    /** The caller's key as an {@code Authorization} header value; Anthropic's clients may send it as {@code x-api-key}. */
    default String authorization(ApiRequest request) {
        return request.header("authorization");
    }
}
