package relay.bench.local;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Just enough HTTP/1.1 framing for the bench's own client and upstream: a message's head, and its body
 * by {@code content-length} or chunked, read off a blocking stream. No header but the framing ones is
 * looked at.
 */
final class HttpMessage {
    /** A head longer than this is not one the bench sends or expects. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Nor is a body longer than this. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private HttpMessage() {}

    /**
     * @param startLine     the request line or the status line
     * @param contentLength -1 when none was given
     * @param closes        the sender closes the connection after this message ({@code connection: close})
     */
    record Head(String startLine, long contentLength, boolean chunked, boolean closes) {
        /** The status of a response's status line. */
        int status() {
            String[] parts = startLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IllegalStateException("not a status line: " + startLine);
            return Integer.parseInt(parts[1]);
        }
    }

    /** The next message's head; null when the stream ends before its first byte (a closed kept-alive connection). */
    static Head readHead(InputStream in) throws IOException {
        String startLine = line(in, true);
        if (startLine == null) return null;
        long length = -1;
        boolean chunked = false, closes = false;
        int total = startLine.length();
        for (String line = line(in, false); !line.isEmpty(); line = line(in, false)) {
            total += line.length() + 2;
            if (total > MAX_HEAD_BYTES) throw new IOException("message head over " + MAX_HEAD_BYTES + " bytes");
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> closes = value.contains("close");
                default -> { }
            }
        }
        return new Head(startLine, length, chunked, closes);
    }

    /** Reads and drops the body. */
    static void skipBody(InputStream in, Head head) throws IOException {
        readBody(in, head, null);
    }

    /** The body as text (a response to a request: a body without length or chunking runs to the stream's end). */
    static String body(InputStream in, Head head) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        readBody(in, head, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void readBody(InputStream in, Head head, ByteArrayOutputStream out) throws IOException {
        if (head.chunked()) {
            while (true) {
                String sizeLine = line(in, false);
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    while (!line(in, false).isEmpty()) { } // trailers
                    return;
                }
                copy(in, size, out);
                line(in, false); // the CRLF after the chunk
            }
        }
        if (head.contentLength() >= 0) {
            copy(in, head.contentLength(), out);
        }
        // no length: a request has no body (a response would run to the end; the bench's peers always frame theirs)
    }

    private static void copy(InputStream in, long n, ByteArrayOutputStream out) throws IOException {
        if (n > MAX_BODY_BYTES) throw new IOException("body of " + n + " bytes is over " + MAX_BODY_BYTES);
        byte[] buffer = new byte[(int) Math.min(n, 8192)];
        long left = n;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(left, buffer.length));
            if (read < 0) throw new EOFException("the body ended " + left + " bytes early");
            if (out != null) out.write(buffer, 0, read);
            left -= read;
        }
    }

    /** One line without its CRLF; null at the stream's end before any byte when {@code endAllowed}. */
    private static String line(InputStream in, boolean endAllowed) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (endAllowed && line.isEmpty()) return null;
                throw new EOFException("the connection closed mid-message");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
                return line.toString();
            }
            if (line.length() >= MAX_HEAD_BYTES) throw new IOException("line over " + MAX_HEAD_BYTES + " bytes");
            line.append((char) b);
        }
    }
}
