package relay.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import relay.core.api.ApiResponse;
import relay.core.api.ResponseSink;

/**
 * RelayApi's answer onto a Jetty response: each piece written and flushed before {@link #body}
 * returns (the calling virtual thread blocks meanwhile), so a stream goes out chunked, event by event.
 * A write that fails (the client hung up, or stopped reading for the idle timeout) is
 * {@link ResponseSink#clientGone()}, which stops the provider call feeding the answer.
 */
final class JettyResponseSink implements ResponseSink {
    private final Response response;
    private boolean ended;
    private IOException failure;

    JettyResponseSink(Response response) {
        this.response = response;
    }

    @Override
    public void head(int status, Map<String, String> headers) {
        response.setStatus(status);
        headers.forEach((name, value) -> response.getHeaders().put(name, value));
    }

    @Override
    public void body(byte[] bytes) {
        write(false, ByteBuffer.wrap(bytes));
    }

    @Override
    public void end() {
        write(true, ByteBuffer.allocate(0));
        ended = true;
    }

    /** A whole answer goes out in one write, with its length. */
    @Override
    public void send(ApiResponse answer) {
        byte[] body = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
        head(answer.status(), answer.headers());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        write(true, ByteBuffer.wrap(body));
        ended = true;
    }

    /** Whether the whole answer is out. */
    boolean ended() {
        return ended;
    }

    /** Why the answer could not be sent; null when no write failed. */
    IOException failure() {
        return failure;
    }

    private void write(boolean last, ByteBuffer bytes) {
        if (failure != null) throw ResponseSink.clientGone();
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, bytes, written);
            written.block();
        } catch (IOException e) {
            failure = e;
            throw ResponseSink.clientGone();
        }
    }
}
