package relay.providers.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import relay.core.provider.AnswerLimits;

/**
 * Reads a {@code text/event-stream} body, event by event, as the SSE specification frames it, holding at most one
 * event (and one line) of a bounded size: a stream may go on for as long as its provider writes, but no single
 * piece of it may grow without end.
 */
public final class ServerSentEvents {
    private ServerSentEvents() {}

    /** One event: its {@code event:} name (null when unnamed) and its {@code data:} lines joined by newlines. */
    public record Event(String name, String data) {}

    /** Receives events; returns false to stop reading (for example at {@code [DONE]}). */
    @FunctionalInterface
    public interface Listener {
        boolean onEvent(Event event);
    }

    /** {@link #read(InputStream, int, Listener)} with the default limit for one event. */
    public static boolean read(InputStream body, Listener listener) {
        return read(body, AnswerLimits.DEFAULT_EVENT_BYTES, listener);
    }

    /**
     * Reads until the stream ends or the listener stops; returns true when the listener stopped it
     * (a complete stream) and false when the body simply ended. Closes the body. A read failure is an
     * {@link UncheckedIOException}; its cause is a {@link BoundedInputStream.LimitExceededException} when a line, or
     * an event's data, is longer than {@code maxEventBytes}.
     */
    public static boolean read(InputStream body, int maxEventBytes, Listener listener) {
        try (InputStream in = body) {
            Lines lines = new Lines(in, maxEventBytes);
            String name = null;
            StringBuilder data = null;
            long dataBytes = 0;
            String line;
            while ((line = lines.next()) != null) {
                if (line.isEmpty()) {
                    if (data != null && !listener.onEvent(new Event(name, data.toString()))) {
                        ProviderHttp.finish(in); // as OpenAI's Python SDK does: its connection then serves the next call
                        return true;
                    }
                    name = null;
                    data = null;
                    dataBytes = 0;
                } else if (line.startsWith("data:")) {
                    String value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
                    dataBytes += lines.lastLineBytes() + 1;
                    if (dataBytes > maxEventBytes) throw new BoundedInputStream.LimitExceededException(maxEventBytes);
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                }
                // comments (":") and other fields (id, retry) are not needed
            }
            return data != null && !listener.onEvent(new Event(name, data.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The body's lines (ended by CR, LF or CRLF, as SSE allows), decoded as UTF-8, each handed on as soon as its end
     * has arrived; a line longer than the limit fails the read before it is held whole.
     */
    private static final class Lines {
        private final InputStream in;
        private final int maxLineBytes;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int end;
        private byte[] line = new byte[256];
        private int length;
        private boolean skipLineFeed; // the last line ended with CR: a LF right after it belongs to that ending
        private int lastLineBytes;

        Lines(InputStream in, int maxLineBytes) {
            this.in = in;
            this.maxLineBytes = maxLineBytes;
        }

        /** The next line, or null at the end of the body (a last line without an ending still counts). */
        String next() throws IOException {
            length = 0;
            while (true) {
                if (position == end) {
                    end = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (end <= 0) {
                        end = 0;
                        return length > 0 ? finish() : null;
                    }
                }
                byte b = buffer[position++];
                if (skipLineFeed) {
                    skipLineFeed = false;
                    if (b == '\n') continue;
                }
                if (b == '\n') return finish();
                if (b == '\r') {
                    skipLineFeed = true;
                    return finish();
                }
                if (length == maxLineBytes) throw new BoundedInputStream.LimitExceededException(maxLineBytes);
                if (length == line.length) line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, maxLineBytes));
                line[length++] = b;
            }
        }

        int lastLineBytes() {
            return lastLineBytes;
        }

        private String finish() {
            lastLineBytes = length;
            return new String(line, 0, length, StandardCharsets.UTF_8);
        }
    }
}
