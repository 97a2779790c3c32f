package relay.bench.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalBenchTest {

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAChunkedAnswerThenTheNextMessageOnTheSameConnection() throws Exception {
        InputStream in = stream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n"
                + "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        HttpMessage.Head first = HttpMessage.readHead(in);
        assertEquals(200, first.status());
        assertTrue(first.chunked());
        assertEquals("hello, world", HttpMessage.body(in, first));
        HttpMessage.Head second = HttpMessage.readHead(in);
        assertEquals(404, second.status());
        assertTrue(second.closes());
        assertEquals("{}", HttpMessage.body(in, second));
        assertNull(HttpMessage.readHead(in), "the stream's end between messages is a closed kept-alive connection");
    }

    @Test
    void aBodyCutShortIsAnErrorNotAShorterBody() throws Exception {
        InputStream in = stream("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
        HttpMessage.Head head = HttpMessage.readHead(in);
        assertThrows(EOFException.class, () -> HttpMessage.body(in, head));
    }

    @Test
    void theUpstreamAnswersChatsOverOneKeptAliveConnectionAndRefusesOtherPaths() throws Exception {
        try (MiniUpstream upstream = MiniUpstream.start();
             Connection chat = new Connection(Target.chat("direct", upstream.port(), "/v1/chat/completions", Map.of()), Duration.ofSeconds(30));
             Connection other = new Connection(Target.chat("other", upstream.port(), "/v1/embeddings", Map.of()), Duration.ofSeconds(30))) {
            for (int i = 0; i < 3; i++) assertEquals(200, chat.send().status());
            assertEquals(0, chat.reconnects(), "the three requests went over one connection");
            assertEquals(3, upstream.answered());
            Connection.Answer refused = other.send();
            assertEquals(404, refused.status());
            assertTrue(refused.errorBody().contains("invalid_request_error"));
        }
    }

    @Test
    void optionsHaveDefaultsAndRefuseWhatCannotRun() {
        LocalBench.Options defaults = LocalBench.Options.parse(new String[0]);
        assertEquals(10, defaults.connections());
        assertEquals(1000, defaults.first());
        assertEquals(10000, defaults.warmup());
        assertEquals(List.of("plain", "appcds", "aot"), defaults.variants());
        assertTrue(defaults.portkey() && defaults.overhead() && defaults.warmupPart());

        LocalBench.Options some = LocalBench.Options.parse(new String[] {"--variants", "plain,aot", "--no-portkey", "--only-warmup",
                "--jvm-option", "-XX:+UseSerialGC", "--jvm-option", "-Xmx1g"});
        assertEquals(List.of("plain", "aot"), some.variants());
        assertFalse(some.portkey());
        assertFalse(some.overhead());
        assertEquals(List.of("-XX:+UseSerialGC", "-Xmx1g"), some.jvmOptions());

        assertThrows(IllegalArgumentException.class, () -> LocalBench.Options.parse(new String[] {"--variants", "plain,graal"}));
        assertThrows(IllegalArgumentException.class, () -> LocalBench.Options.parse(new String[] {"--only-warmup", "--only-overhead"}));
        assertThrows(IllegalArgumentException.class, () -> LocalBench.Options.parse(new String[] {"--connections", "0"}));
        assertThrows(IllegalArgumentException.class, () -> LocalBench.Options.parse(new String[] {"--runs"}));
    }
}
