package relay.proxy.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import relay.core.Json;
import relay.core.api.ApiResponse;
import relay.core.api.ResponseSink;
import relay.core.log.Diagnostics;

/**
 * An answer streamed as API Gateway's REST API (responseTransferMode STREAM) and Function URLs
 * (RESPONSE_STREAM) take it: on {@link #head}, a JSON prelude with the status and headers followed by
 * eight NUL bytes; then each body piece as one chunk, flushed; the last chunk on {@link #end}. The
 * Runtime API's connection failing means the client is gone, which stops the provider call feeding
 * the stream. A whole answer ({@link #send}) goes out in one write.
 */
final class StreamedReply implements Reply {
    static final int DELIMITER_LENGTH = 8;

    private final RuntimeApi runtime;
    private final String requestId;
    private StreamedResponse stream;
    private IOException failure;
    private boolean ended;

    StreamedReply(RuntimeApi runtime, String requestId) {
        this.runtime = runtime;
        this.requestId = requestId;
    }

    /** The prelude and its delimiter: {@code {"statusCode":…,"headers":{…},"cookies":[]}} then eight NUL bytes. */
    static byte[] prelude(int status, Map<String, String> headers) {
        ObjectNode prelude = Json.object();
        prelude.put("statusCode", status);
        ObjectNode names = prelude.putObject("headers");
        if (headers != null) headers.forEach(names::put);
        prelude.putArray("cookies");
        byte[] json = Json.writeBytes(prelude);
        return Arrays.copyOf(json, json.length + DELIMITER_LENGTH); // the copy's tail is the NULs
    }

    @Override
    public void head(int status, Map<String, String> headers) {
        if (stream != null || failure != null) throw new IllegalStateException("the head was already sent");
        try {
            stream = runtime.stream(requestId);
            stream.chunk(prelude(status, headers));
        } catch (IOException e) {
            throw gone(e);
        }
    }

    /** A whole answer: prelude, body and the last chunk in one write, one round trip to Lambda. */
    @Override
    public void send(ApiResponse response) {
        if (stream != null || failure != null) throw new IllegalStateException("the head was already sent");
        byte[] body = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
        try {
            stream = runtime.stream(requestId);
            ended = true;
            int status = stream.whole(prelude(response.status(), response.headers()), body);
            if (status != 202) Diagnostics.warn("runtime_response_refused", "request_id", requestId, "status", status);
        } catch (IOException e) {
            throw gone(e);
        }
    }

    @Override
    public void body(byte[] bytes) {
        writable();
        try {
            stream.chunk(bytes);
        } catch (IOException e) {
            throw gone(e);
        }
    }

    @Override
    public void end() {
        writable();
        ended = true;
        try {
            int status = stream.finish();
            if (status != 202) Diagnostics.warn("runtime_response_refused", "request_id", requestId, "status", status);
        } catch (IOException e) {
            throw gone(e);
        }
    }

    @Override
    public boolean sent() {
        return stream != null;
    }

    @Override
    public void complete() throws IOException {
        if (failure != null) {
            if (stream == null) throw failure; // nothing reached Lambda: it can still take an invocation error
            Diagnostics.info("runtime_stream_broken", "request_id", requestId, "error", failure.getClass().getName());
            return; // the connection broke mid-answer, which ends the response; Relay logged the request as cut short
        }
        if (stream == null) throw new IllegalStateException("Relay ended the invocation without an answer");
        if (ended) return;
        try {
            end();
        } catch (RuntimeException e) {
            if (failure != null) throw failure;
            throw e;
        }
    }

    @Override
    public void fail(LambdaError error) throws IOException {
        if (stream == null || ended || failure != null) return; // nothing under way to end
        ended = true;
        stream.fail(error);
    }

    private void writable() {
        if (stream == null) throw new IllegalStateException("the body came before the head");
        if (failure != null) throw ResponseSink.clientGone();
        if (ended) throw new IllegalStateException("the answer has ended");
    }

    private RuntimeException gone(IOException e) {
        failure = e;
        if (stream != null) stream.close();
        return ResponseSink.clientGone();
    }
}
