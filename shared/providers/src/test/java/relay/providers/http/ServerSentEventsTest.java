package relay.providers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SSE framing, one bounded event at a time, each handed on as soon as it is complete. */
class ServerSentEventsTest {
    static List<ServerSentEvents.Event> all(String body, int limit) {
        List<ServerSentEvents.Event> events = new ArrayList<>();
        ServerSentEvents.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), limit, events::add);
        return events;
    }

    /** Hands out its bytes a few at a time, as a network does. */
    static InputStream trickle(byte[] bytes, int piece) {
        return new InputStream() {
            int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= bytes.length) return -1;
                int n = Math.min(Math.min(len, piece), bytes.length - at);
                System.arraycopy(bytes, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    @Test
    void eventsAreFramedByBlankLines_withAnyLineEnding_andMultiLineData() {
        List<ServerSentEvents.Event> events = all("event: a\r\ndata: one\r\n\r\ndata: two\rdata: 2\r\rdata:three\n\n: comment\nid: 7\ndata: last", 1000);

        assertEquals(List.of(new ServerSentEvents.Event("a", "one"), new ServerSentEvents.Event(null, "two\n2"),
                new ServerSentEvents.Event(null, "three"), new ServerSentEvents.Event(null, "last")), events);
    }

    @Test
    void lineEndingsAndMultiByteCharacters_splitAcrossReads_arriveWhole() {
        byte[] body = "data: héllo 日本 😀\r\n\r\ndata: x\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        for (int piece = 1; piece <= 5; piece++) {
            List<ServerSentEvents.Event> events = new ArrayList<>();

            ServerSentEvents.read(trickle(body, piece), 1000, events::add);

            assertEquals(List.of(new ServerSentEvents.Event(null, "héllo 日本 😀"), new ServerSentEvents.Event(null, "x")), events,
                    "pieces of " + piece);
        }
    }

    @Test
    void aLineWithoutEnd_failsAtTheLimit_afterTheEventsBeforeIt_withoutReadingOn() {
        byte[] first = "data: fine\n\n".getBytes(StandardCharsets.UTF_8);
        long[] served = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return served[0] < first.length ? first[(int) served[0]++] : (served[0]++ >= 0 ? 'x' : -1);
            }
        };
        List<ServerSentEvents.Event> events = new ArrayList<>();

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ServerSentEvents.read(endless, 64 * 1024, events::add));

        assertInstanceOf(BoundedInputStream.LimitExceededException.class, e.getCause());
        assertEquals(List.of(new ServerSentEvents.Event(null, "fine")), events);
        assertTrue(served[0] < first.length + 64 * 1024 + 8192 + 2, "read " + served[0]);
    }

    @Test
    void anEventOfManyShortDataLines_failsAtTheLimitToo() {
        String body = "data: 0123456789\n".repeat(1000) + "\n";

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> all(body, 4096));

        assertInstanceOf(BoundedInputStream.LimitExceededException.class, e.getCause());
        assertEquals(1, all("data: 0123456789\n".repeat(10) + "\n", 4096).size());
    }

    @Test
    void eachEvent_isHandedOn_beforeTheNextArrives() throws Exception {
        CountDownLatch firstHandedOn = new CountDownLatch(1);
        byte[] one = "data: one\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] two = "data: two\n\n".getBytes(StandardCharsets.UTF_8);
        InputStream paced = new InputStream() {
            int at;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                try {
                    if (at == 0) {
                        System.arraycopy(one, 0, b, off, one.length);
                        at = 1;
                        return one.length;
                    }
                    if (at == 1) {
                        // the second event is sent only once the first has been handed on: a buffering reader deadlocks here
                        if (!firstHandedOn.await(30, TimeUnit.SECONDS)) throw new AssertionError("the first event was held back");
                        System.arraycopy(two, 0, b, off, two.length);
                        at = 2;
                        return two.length;
                    }
                    return -1;
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };
        List<String> seen = new ArrayList<>();

        ServerSentEvents.read(paced, 1000, event -> {
            seen.add(event.data());
            firstHandedOn.countDown();
            return true;
        });

        assertEquals(List.of("one", "two"), seen);
    }
}
