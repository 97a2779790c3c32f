package relay.proxy.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The loop's own HTTP/1.1 client for the Runtime API: answers as Lambda's server may send them, and a kept-alive connection's life. */
class RuntimeConnectionTest {

    @Test
    void readsFixedLengthChunkedAndEmptyAnswers() throws IOException {
        RuntimeConnection.Answer fixed = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nLambda-Runtime-Aws-Request-Id: r1\r\n\r\nhello");
        assertEquals(200, fixed.status());
        assertEquals("r1", fixed.header("lambda-runtime-aws-request-id"));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), fixed.body());

        RuntimeConnection.Answer chunked = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), chunked.body());

        RuntimeConnection.Answer accepted = read("HTTP/1.1 202 Accepted\r\n\r\n");
        assertEquals(202, accepted.status());
        assertEquals(0, accepted.body().length);
    }

    @Test
    void refusesWhatNoRuntimeApiSends() {
        assertThrows(IOException.class, () -> read("SSH-2.0-OpenSSH\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: " + (RuntimeConnection.MAX_BODY_BYTES + 1L) + "\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nbroken header\r\n\r\n"));
    }

    /** Calls share one connection; one the server closed between calls is reopened and the call goes through. */
    @Test
    void keepsTheConnectionAlive_andReopensOneTheServerClosed() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread serving = Thread.ofVirtual().start(() -> {
                int connection = 0;
                // the first connection answers two requests then closes; the second answers one
                for (int answers : new int[] {2, 1}) {
                    connection++;
                    try (Socket socket = server.accept()) {
                        InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream();
                        for (int i = 0; i < answers; i++) {
                            String requestLine = head(in);
                            seen.add(connection + " " + requestLine);
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    } catch (IOException e) {
                        seen.add("failed " + e);
                    }
                }
            });
            RuntimeConnection connection = new RuntimeConnection("127.0.0.1", server.getLocalPort());
            for (int i = 1; i <= 3; i++) assertEquals(200, connection.call("GET", "/next/" + i, Map.of(), null).status());
            connection.close();
            serving.join(30_000);
        }
        assertEquals(List.of("1 GET /next/1 HTTP/1.1", "1 GET /next/2 HTTP/1.1", "2 GET /next/3 HTTP/1.1"), seen);
    }

    private static RuntimeConnection.Answer read(String answer) throws IOException {
        return RuntimeConnection.read(new ByteArrayInputStream(answer.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Reads a request's head (no body: the test sends GETs) and returns its request line. */
    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed");
            head.append((char) b);
        }
        assertTrue(head.toString().contains("Host: 127.0.0.1:"), head.toString());
        return head.substring(0, head.indexOf("\r\n"));
    }
}
