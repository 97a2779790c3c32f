package relay.proxy.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One streamed invocation response: {@code POST /runtime/invocation/<id>/response} with
 * {@code Lambda-Runtime-Function-Response-Mode: streaming}, written by hand as HTTP/1.1 chunked
 * encoding on the Runtime API connection ({@link RuntimeConnection#stream}), because the JDK's
 * HttpClient can neither send a chunk when told to nor send trailers, and a failure after the first
 * byte can only be reported in trailers. Each {@link #chunk} is one HTTP chunk, flushed before it
 * returns; a whole answer goes out in one write ({@link #whole}).
 */
public final class StreamedResponse implements AutoCloseable {
    /** What API Gateway and Function URLs expect: a JSON prelude, eight NUL bytes, then the body. */
    public static final String CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
    static final String ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type";
    static final String ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body";
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NO_TRAILERS = new byte[0];

    private final RuntimeConnection connection;
    private final OutputStream out;
    private boolean finished;

    StreamedResponse(RuntimeConnection connection, OutputStream out) {
        this.connection = connection;
        this.out = out;
    }

    static byte[] head(String hostAndPort, String path) {
        return ("POST " + path + " HTTP/1.1\r\n"
                + "Host: " + hostAndPort + "\r\n"
                + "User-Agent: relay-runtime\r\n"
                + "Content-Type: " + CONTENT_TYPE + "\r\n"
                + "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "Trailer: " + ERROR_TYPE_TRAILER + ", " + ERROR_BODY_TRAILER + "\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** One chunk, flushed; an empty piece sends nothing (a zero-length chunk would end the body). */
    public void chunk(byte[] bytes) throws IOException {
        if (finished) throw new IllegalStateException("the response has ended");
        writeChunk(out, bytes);
        out.flush();
    }

    /** A whole answer: each piece a chunk, then the last chunk, in one write; returns Lambda's status (normally 202). */
    public int whole(byte[]... pieces) throws IOException {
        if (finished) throw new IllegalStateException("the response has ended");
        for (byte[] piece : pieces) writeChunk(out, piece);
        return end(NO_TRAILERS);
    }

    /** The last chunk; returns once Lambda has accepted the response (its status, normally 202). */
    public int finish() throws IOException {
        return end(NO_TRAILERS);
    }

    /** Ends the body with the error in trailers: Lambda passes the response on as it was, with the error noted. */
    public int fail(LambdaError error) throws IOException {
        return end((ERROR_TYPE_TRAILER + ": " + error.categoryHeader() + "\r\n"
                + ERROR_BODY_TRAILER + ": " + error.base64Json() + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private int end(byte[] trailers) throws IOException {
        if (finished) throw new IllegalStateException("the response has ended");
        finished = true;
        try {
            out.write('0');
            out.write(CRLF);
            out.write(trailers);
            out.write(CRLF);
            out.flush();
            return connection.answer().status();
        } catch (IOException | RuntimeException e) {
            connection.close(); // half a request or no answer: the connection cannot carry another
            throw e;
        }
    }

    static void writeChunk(OutputStream out, byte[] bytes) throws IOException {
        if (bytes.length == 0) return;
        out.write(Integer.toHexString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
        out.write(bytes);
        out.write(CRLF);
    }

    /** Abandons the response mid-way: the connection closes, which ends it for Lambda; the next call opens another. */
    @Override
    public void close() {
        if (finished) return;
        finished = true;
        connection.close();
    }
}
