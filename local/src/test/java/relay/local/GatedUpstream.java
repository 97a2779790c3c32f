package relay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI chat stream that proves streaming by causality, not timing: it sends content chunk N+1 only
 * once the test's client says it has received chunk N ({@link #clientReceivedAChunk()}). A gateway that
 * held the stream back would wait for the end while the end waits for it: the gate gives up after
 * {@link RawHttp#READ_BOUND}, the stream comes up short and the test fails.
 *
 * <p>Content chunks read {@code part0 }, {@code part1 }, ...; each is one event, flushed. A request
 * without {@code stream} is answered whole ({@code held}), once the test lets it go ({@link #letGo}).
 */
final class GatedUpstream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the next stream goes. */
    enum Script {
        /** {@code chunks} content chunks, each after the client has the one before, then finish and [DONE]. */
        GATED,
        /** One content chunk; once the client has it, the connection drops mid-stream, without [DONE]. */
        BREAKS_AFTER_FIRST,
        /** Content chunks as fast as they are taken, until the connection is closed from Relay's side. */
        ENDLESS
    }

    private final HttpServer server;
    private final Semaphore receivedByClient = new Semaphore(0);
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Script script = Script.GATED;
    private volatile int chunks = 3;
    private volatile boolean gateGaveUp;
    private volatile CountDownLatch closedByRelay = new CountDownLatch(1);

    GatedUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The next streams follow {@code script}, with {@code chunks} content chunks where that counts. */
    void script(Script script, int chunks) {
        this.script = script;
        this.chunks = chunks;
        this.gateGaveUp = false;
        this.closedByRelay = new CountDownLatch(1);
        receivedByClient.drainPermits();
    }

    /** The test's client has the next content chunk: the one after it may go. */
    void clientReceivedAChunk() {
        receivedByClient.release();
    }

    /** {@code answers} whole answers held back may go. */
    void letGo(int answers) {
        receivedByClient.release(answers);
    }

    boolean gateGaveUp() {
        return gateGaveUp;
    }

    /** Requests received, streamed or not. */
    int requests() {
        return requests.get();
    }

    /** Whether an ENDLESS stream's connection was closed by Relay within {@link RawHttp#READ_BOUND}. */
    boolean closedByRelay() throws InterruptedException {
        return closedByRelay.await(RawHttp.READ_BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
        String model = request.path("model").asText();
        requests.incrementAndGet();
        if (!request.path("stream").asBoolean()) {
            awaitClient();
            byte[] answer = ("{\"id\":\"chatcmpl-gated\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"held\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
            return;
        }
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0); // chunked
        OutputStream out = exchange.getResponseBody();
        Script now = script;
        send(out, chunk(model, "{\"role\":\"assistant\",\"content\":\"\"}", null));
        send(out, content(model, 0));
        switch (now) {
            case GATED -> {
                for (int i = 1; i < chunks; i++) {
                    if (!awaitClient()) break;
                    send(out, content(model, i));
                }
                send(out, chunk(model, "{}", "stop"));
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.close();
            }
            case BREAKS_AFTER_FIRST -> {
                awaitClient();
                // out of the handler unfinished: the JDK server drops the connection, the chunked body cut short
                throw new IOException("the stream breaks here on purpose");
            }
            case ENDLESS -> {
                String padding = "x".repeat(4096); // big events fill the socket buffers of a client that stops reading
                CountDownLatch closed = closedByRelay;
                try {
                    for (int i = 1; ; i++) {
                        send(out, chunk(model, JSON.createObjectNode().put("content", "part" + i + " " + padding).toString(), null));
                    }
                } catch (IOException e) {
                    closed.countDown();
                    throw e;
                }
            }
        }
    }

    private boolean awaitClient() {
        try {
            if (receivedByClient.tryAcquire(RawHttp.READ_BOUND.toSeconds(), TimeUnit.SECONDS)) return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateGaveUp = true;
        return false;
    }

    private static void send(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String content(String model, int n) {
        return chunk(model, JSON.createObjectNode().put("content", "part" + n + " ").toString(), null);
    }

    private static String chunk(String model, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-gated\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
