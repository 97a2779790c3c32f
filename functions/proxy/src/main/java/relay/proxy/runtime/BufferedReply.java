package relay.proxy.runtime;

import java.io.IOException;
import java.util.Map;
import relay.core.api.BufferedSink;
import relay.core.api.ResponseSink;
import relay.proxy.ProxyEvent;

/** An answer for a caller that cannot stream (an HTTP API): kept whole, then posted as one proxy-integration JSON document on {@link #end}. */
final class BufferedReply implements Reply {
    private final RuntimeApi runtime;
    private final String requestId;
    private final BufferedSink buffer = new BufferedSink();
    private boolean headed;
    private boolean posted;
    private IOException failure;

    BufferedReply(RuntimeApi runtime, String requestId) {
        this.runtime = runtime;
        this.requestId = requestId;
    }

    @Override
    public void head(int status, Map<String, String> headers) {
        headed = true;
        buffer.head(status, headers);
    }

    @Override
    public void body(byte[] bytes) {
        buffer.body(bytes);
    }

    @Override
    public void end() {
        if (posted || failure != null) return;
        try {
            runtime.respond(requestId, ProxyEvent.bufferedAnswer(buffer.response()));
            posted = true;
        } catch (IOException e) {
            failure = e;
            throw ResponseSink.clientGone();
        }
    }

    @Override
    public boolean sent() {
        return posted;
    }

    @Override
    public void complete() throws IOException {
        if (failure != null) throw failure;
        if (!headed) throw new IllegalStateException("Relay ended the invocation without an answer");
        try {
            end();
        } catch (RuntimeException e) {
            if (failure != null) throw failure;
            throw e;
        }
    }

    @Override
    public void fail(LambdaError error) {
        // a buffered answer is posted whole or not at all: until then, failures are invocation errors
    }
}
