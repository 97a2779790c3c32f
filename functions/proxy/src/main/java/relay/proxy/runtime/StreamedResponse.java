package relay.proxy.runtime;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One streamed invocation response: {@code POST /runtime/invocation/<id>/response} with
 * {@code Lambda-Runtime-Function-Response-Mode: streaming}, written by hand as HTTP/1.1 chunked
 * encoding over its own socket, because the JDK's HttpClient can neither send a chunk when told to nor
 * send trailers, and a failure after the first byte can only be reported in trailers. Each
 * {@link #chunk} is one HTTP chunk, flushed before it returns. The connection is closed once Lambda
 * has accepted the response, as the Runtime API asks.
 */
public final class StreamedResponse implements AutoCloseable {
    /** What API Gateway and Function URLs expect: a JSON prelude, eight NUL bytes, then the body. */
    public static final String CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
    static final String ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type";
    static final String ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body";
    private static final byte[] CRLF = {'\r', '\n'};

    private final Socket socket;
    private final OutputStream out;
    private boolean finished;

    private StreamedResponse(Socket socket, OutputStream out) {
        this.socket = socket;
        this.out = out;
    }

    /** Connects to the Runtime API at {@code host:port} and sends the request's head. */
    static StreamedResponse open(String host, int port, String path) throws IOException {
        Socket socket = new Socket(host, port);
        try {
            socket.setTcpNoDelay(true);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            out.write(head(host + ":" + port, path));
            out.flush();
            return new StreamedResponse(socket, out);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
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
        writeChunk(out, bytes);
        out.flush();
    }

    /** The last chunk; returns once Lambda has accepted the response (its status, normally 202). */
    public int finish() throws IOException {
        return end(new byte[0]);
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
            return RuntimeConnection.read(socket.getInputStream()).status();
        } finally {
            close();
        }
    }

    static void writeChunk(OutputStream out, byte[] bytes) throws IOException {
        if (bytes.length == 0) return;
        out.write(Integer.toHexString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
        out.write(bytes);
        out.write(CRLF);
    }

    @Override
    public void close() {
        finished = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
