package relay.bench.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fastest OpenAI upstream this bench could write: every {@code POST .../chat/completions} gets the
 * same small chat completion, over kept-alive HTTP/1.1, a platform thread per connection. The JDK's
 * {@code HttpServer} (under {@link relay.testing.FakeOpenAi}) costs more per request than the gateways
 * measured against it, and the upstream must not be what sets the pace.
 */
public final class MiniUpstream implements AutoCloseable {
    /** A chat completion as OpenAI sends one, with usage (Relay logs it). */
    static final String ANSWER = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello there, how are you?\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":7,\"total_tokens\":20},\"system_fingerprint\":\"fp_bench\"}";
    private static final byte[] OK = response(200, ANSWER);
    private static final byte[] NOT_FOUND = response(404,
            "{\"error\":{\"message\":\"only POST /v1/chat/completions\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");

    private final ServerSocket server;
    private final LongAdder answered = new LongAdder();

    private MiniUpstream(ServerSocket server) {
        this.server = server;
        Thread.ofPlatform().daemon().name("mini-upstream-accept").start(this::accept);
    }

    public static MiniUpstream start() throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        return new MiniUpstream(server);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** OpenAI's base URL form, with its /v1. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** Chat completions answered 200 so far. */
    public long answered() {
        return answered.sum();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                Thread.ofPlatform().daemon().name("mini-upstream").start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
             OutputStream out = socket.getOutputStream()) {
            while (true) {
                HttpMessage.Head head = HttpMessage.readHead(in);
                if (head == null) return; // the client closed the connection between requests
                HttpMessage.skipBody(in, head);
                boolean chat = head.startLine().startsWith("POST ") && head.startLine().contains("/chat/completions ");
                if (chat) answered.increment(); // counted before the client can see the answer
                out.write(chat ? OK : NOT_FOUND);
                out.flush();
                if (head.closes()) return;
            }
        } catch (IOException | RuntimeException e) {
            // the client went away mid-request: nothing to answer
        }
    }

    private static byte[] response(int status, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\n"
                + "content-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
