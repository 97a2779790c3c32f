package relay.proxy.runtime;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection to the Runtime API, kept alive from one call to the next and used by one thread
 * (the loop's): a call is a blocking write and read on the caller's thread. The JDK's HttpClient would hand
 * each call to its selector thread and back, a cost the loop paid on every {@code next}; the Runtime API is a
 * fixed peer on loopback that speaks plain HTTP/1.1, so this is all it takes.
 */
final class RuntimeConnection implements AutoCloseable {
    /** A Runtime API answer: status, headers (lower-case names), body. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Far above any event Lambda passes (6 MB payloads, base64 included): only a broken peer reaches it. */
    static final int MAX_BODY_BYTES = 32 << 20;
    private static final int MAX_LINE_BYTES = 64 * 1024;
    private static final int MAX_HEADERS = 200;

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RuntimeConnection(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /**
     * Sends one request and reads its answer. A kept-alive connection the Runtime API closed meanwhile (it
     * ended or reset the connection instead of answering) is reopened and the request sent once more.
     */
    Answer call(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        boolean reused = socket != null;
        try {
            return exchange(method, path, headers, body);
        } catch (EOFException | java.net.SocketException e) {
            close();
            if (!reused) throw e;
            return exchange(method, path, headers, body);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Answer exchange(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        if (socket == null) open();
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n")
                .append("User-Agent: relay-runtime\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) out.write(body);
        out.flush();
        return answer();
    }

    /**
     * Starts a chunked request on this connection (opened if it is not): the head is written now and goes out
     * with the first chunk. The connection carries nothing else until the stream has its answer, then stays
     * alive for the next call, as after any other.
     */
    StreamedResponse stream(String path) throws IOException {
        if (socket == null) open();
        try {
            out.write(StreamedResponse.head(host + ":" + port, path));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return new StreamedResponse(this, out);
    }

    /** The answer to the request just sent; the connection is closed when the answer says so. */
    Answer answer() throws IOException {
        Answer answer = read(in);
        if ("close".equalsIgnoreCase(answer.header("connection"))) close();
        return answer;
    }

    private void open() throws IOException {
        Socket opened = new Socket(host, port);
        try {
            opened.setTcpNoDelay(true);
            in = new UnlockedBufferedInput(opened.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(opened.getOutputStream(), 16 * 1024);
            socket = opened;
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** Reads one HTTP/1.1 answer whose body has a Content-Length, is chunked, or is empty. EOF before its first byte: {@link EOFException}. */
    static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) throw new EOFException("the Runtime API closed the connection without an answer");
        String[] status = statusLine.split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) throw new IOException("not an HTTP status line: " + statusLine);
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + statusLine, e);
        }
        Map<String, String> headers = new HashMap<>();
        for (String header = required(in); !header.isEmpty(); header = required(in)) {
            if (headers.size() == MAX_HEADERS) throw new IOException("the Runtime API sent more than " + MAX_HEADERS + " headers");
            int colon = header.indexOf(':');
            if (colon <= 0) throw new IOException("not an HTTP header: " + header);
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = chunked(in);
        else if (headers.containsKey("content-length")) body = exactly(in, length(headers.get("content-length")));
        else body = new byte[0];
        return new Answer(code, Map.copyOf(headers), body);
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = required(in);
            int semicolon = size.indexOf(';');
            int length;
            try {
                length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("not a chunk size: " + size, e);
            }
            if (length == 0) break;
            if (length < 0 || body.size() + (long) length > MAX_BODY_BYTES) throw tooLarge();
            body.write(exactly(in, length));
            required(in);
        }
        while (!required(in).isEmpty()) {
            // trailers: none the runtime needs
        }
        return body.toByteArray();
    }

    private static int length(String value) throws IOException {
        long length;
        try {
            length = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IOException("not a Content-Length: " + value, e);
        }
        if (length < 0 || length > MAX_BODY_BYTES) throw tooLarge();
        return (int) length;
    }

    private static byte[] exactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) throw new IOException("the Runtime API closed the connection inside a body");
        return bytes;
    }

    private static IOException tooLarge() {
        return new IOException("the Runtime API sent a body over " + (MAX_BODY_BYTES >> 20) + " MB");
    }

    private static String required(InputStream in) throws IOException {
        String line = line(in);
        if (line == null) throw new IOException("the Runtime API closed the connection inside an answer");
        return line;
    }

    /** One CRLF- (or LF-) terminated line without its ending; null at EOF before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                if (line.size() == 0) return null;
                throw new IOException("the Runtime API closed the connection inside a line");
            }
            if (line.size() == MAX_LINE_BYTES) throw new IOException("the Runtime API sent a line over " + MAX_LINE_BYTES + " bytes");
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * A read buffer without the lock {@link java.io.BufferedInputStream} takes on every call: the answer's head is
     * read a byte at a time, by one thread, and each lock costs more than the byte.
     */
    private static final class UnlockedBufferedInput extends InputStream {
        private final InputStream in;
        private final byte[] buffer;
        private int position;
        private int limit;

        UnlockedBufferedInput(InputStream in, int size) {
            this.in = in;
            this.buffer = new byte[size];
        }

        @Override
        public int read() throws IOException {
            if (position == limit && !fill()) return -1;
            return buffer[position++] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) return 0;
            if (position == limit) {
                if (length >= buffer.length) return in.read(into, offset, length); // a large body: no copy through the buffer
                if (!fill()) return -1;
            }
            int n = Math.min(length, limit - position);
            System.arraycopy(buffer, position, into, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return limit - position + in.available();
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer, 0, buffer.length);
            position = 0;
            limit = Math.max(n, 0);
            return n > 0;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    @Override
    public void close() {
        Socket open = socket;
        socket = null;
        in = null;
        out = null;
        if (open == null) return;
        try {
            open.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
