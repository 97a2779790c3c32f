package relay.providers.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads a {@code text/event-stream} body, event by event, as the SSE specification frames it. */
public final class ServerSentEvents {
    private ServerSentEvents() {}

    /** One event: its {@code event:} name (null when unnamed) and its {@code data:} lines joined by newlines. */
    public record Event(String name, String data) {}

    /** Receives events; returns false to stop reading (for example at {@code [DONE]}). */
    @FunctionalInterface
    public interface Listener {
        boolean onEvent(Event event);
    }

    /**
     * Reads until the stream ends or the listener stops; returns true when the listener stopped it
     * (a complete stream) and false when the body simply ended. Closes the body.
     */
    public static boolean read(InputStream body, Listener listener) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = null;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null && !listener.onEvent(new Event(name, data.toString()))) return true;
                    name = null;
                    data = null;
                } else if (line.startsWith("data:")) {
                    String value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
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
}
