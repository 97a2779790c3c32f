package relay.core.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * Where an answer goes as it is made, whatever carries it (the local server's connection, the Lambda
 * Runtime API's streamed response, a buffer): the head once, then the body piece by piece, then the end.
 * When {@link #body} returns, that piece is on its way to the client (flushed, not held back), so a
 * stream reaches the client as the provider sends it.
 *
 * <p>A transport whose client has gone throws {@link #clientGone()} from {@link #body} or {@link #end},
 * which stops the provider call that feeds it.
 */
public interface ResponseSink {
    /** Status and headers (names in lower case); called once, before any body. */
    void head(int status, Map<String, String> headers);

    /** A piece of the body, sent on at once. */
    void body(byte[] bytes);

    /** The answer is complete. */
    void end();

    default void body(String text) {
        body(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole answer at once (a transport may override it to send a content length). */
    default void send(ApiResponse response) {
        head(response.status(), response.headers());
        if (response.body() != null && !response.body().isEmpty()) body(response.body());
        end();
    }

    /** What a transport throws when its client has hung up: the request ends, logged as 499. */
    static RelayException clientGone() {
        return new RelayException(ErrorKind.CLIENT_CLOSED, "The client closed the connection before the answer was complete.");
    }
}
