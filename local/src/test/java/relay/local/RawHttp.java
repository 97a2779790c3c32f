package relay.local;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 on a plain socket: sends exactly the bytes a test writes (half a request, 201 headers, a
 * broken query) and shows the answer as it came over the wire (chunked or with a length, event by event).
 * Every read waits 30 s at most, so a server that never answers fails the test instead of hanging it.
 */
final class RawHttp implements AutoCloseable {
    static final Duration READ_BOUND = Duration.ofSeconds(30);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private InputStream body;

    /** The status line and headers of an answer; header names in lower case, every value kept. */
    record Head(int status, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }

        boolean chunked() {
            return "chunked".equalsIgnoreCase(header("transfer-encoding"));
        }
    }

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) READ_BOUND.toMillis());
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawHttp connect(LocalServer server) throws IOException {
        URI uri = URI.create(server.url());
        return new RawHttp(new Socket(uri.getHost(), uri.getPort()));
    }

    /** A whole request's bytes: the request line, {@code host}, the given headers, a content length when there is a body. */
    static String request(String method, String target, Map<String, String> headers, String body) {
        StringBuilder text = new StringBuilder(method + " " + target + " HTTP/1.1\r\nhost: localhost\r\n");
        headers.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) text.append("content-length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        return text.append("\r\n").append(body == null ? "" : body).toString();
    }

    RawHttp send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Sends nothing more: the server reads the end of the stream. */
    RawHttp endOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    Head readHead() throws IOException {
        String statusLine = line(in);
        if (statusLine == null) throw new IOException("the connection closed before an answer");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        Head head = new Head(status, headers);
        String length = head.header("content-length");
        body = head.chunked() ? new Chunked(in) : length != null ? new Limited(in, Long.parseLong(length)) : in;
        return head;
    }

    /** The rest of the body after {@link #readHead()}, to its end. */
    String readBody() throws IOException {
        return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The next Server-Sent Event's data (without {@code data: }), or null when the body has ended. */
    String nextEvent() throws IOException {
        StringBuilder data = new StringBuilder();
        for (String line = line(body); line != null; line = line(body)) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) return data.toString();
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
        return data.isEmpty() ? null : data.toString();
    }

    /**
     * Reads until the server closes the connection: true when it did within {@link #READ_BOUND}, false when
     * it kept the connection open that long. Whatever the server said before closing is ignored.
     */
    boolean closedByServer() throws IOException {
        byte[] buffer = new byte[8192];
        try {
            while (true) {
                if (in.read(buffer) < 0) return true;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // a reset is a close too
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One line without its CR LF; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        if (b < 0 && line.size() == 0) return null;
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** A body with a content length. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }
    }

    /**
     * A chunked body, decoded; fails if the connection ends before the last (zero) chunk. A chunk's closing
     * CR LF is read with the next chunk's size (Jetty sends them together), so a chunk is whole on arrival.
     */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean first = true;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) return -1;
            if (left == 0) {
                if (!first) line(in); // the previous chunk's CR LF
                first = false;
                String size = line(in);
                if (size == null) throw new IOException("the connection closed inside a chunked body");
                left = Long.parseLong(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) { }
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) throw new IOException("the connection closed inside a chunk");
            left--;
            return b;
        }
    }
}
