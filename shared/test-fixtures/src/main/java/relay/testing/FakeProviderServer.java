package relay.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The common part of the loopback servers that stand in for model providers (OpenAI, Anthropic,
 * Bedrock, Cohere, Google, Hugging Face, Replicate, the OpenAI-compatible hosts): a real HTTP server
 * that records every request and keeps a script of replies of the provider's own type {@code R}, each
 * used once in the order enqueued. Each subclass answers as its provider does, taking the next
 * scripted reply when it wants one.
 */
public abstract class FakeProviderServer<R> implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What the server received; header names are lower case, {@code query} is raw (null when absent). */
    public record Recorded(String method, String path, String query, Map<String, String> headers, String body) implements ReceivedRequest {}

    /** A scripted reply that takes the place of the provider's answer: this status, JSON body and headers. */
    public interface Canned {
        int status();

        String body();

        default Map<String, String> headers() {
            return Map.of();
        }
    }

    /** How {@link Recorded#path()} is given (and routed on). */
    protected enum PathForm {
        /** Percent-decoded, as most providers' paths need no escaping. */
        DECODED,
        /** As sent, for providers whose paths carry escaped IDs the tests check (e.g. Bedrock's {@code %3A}). */
        AS_SENT
    }

    private final HttpServer server;
    private final String basePath;
    private final PathForm pathForm;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<R> script = new ConcurrentLinkedQueue<>();

    /** Starts the server; {@code basePath} is what {@link #baseUrl()} adds to the origin (e.g. {@code /v1}). */
    protected FakeProviderServer(String basePath, PathForm pathForm) {
        this.basePath = basePath;
        this.pathForm = pathForm;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + getClass().getSimpleName(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    protected FakeProviderServer(String basePath) {
        this(basePath, PathForm.DECODED);
    }

    protected FakeProviderServer() {
        this("");
    }

    /** The base URL as the provider's SDKs name it: the origin plus the fake's base path, no trailing slash. */
    public String baseUrl() {
        return origin() + basePath;
    }

    /** {@code http://127.0.0.1:port}, with no path, whatever {@link #baseUrl()} adds to it. */
    public String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request received, in arrival order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public Recorded lastRequest() {
        if (requests.isEmpty()) throw new IllegalStateException("no request received");
        return requests.get(requests.size() - 1);
    }

    @SafeVarargs
    public final void enqueue(R... replies) {
        script.addAll(List.of(replies));
    }

    /** Forgets the requests and the replies not used yet; subclasses that keep more state clear it too. */
    public void reset() {
        requests.clear();
        script.clear();
    }

    /** Takes the next scripted reply, or null when none is queued (the provider's normal answer is due). */
    protected R nextReply() {
        return script.poll();
    }

    /** The next scripted reply without taking it, for fakes where only some requests consume one. */
    protected R peekReply() {
        return script.peek();
    }

    /**
     * Answers one request, already recorded, as the provider does. An exception out of here makes the
     * JDK server drop the connection unanswered, which is how a fake plays a reset connection.
     */
    protected abstract void respond(HttpExchange exchange, Recorded request) throws IOException;

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            URI uri = exchange.getRequestURI();
            String path = pathForm == PathForm.AS_SENT ? uri.getRawPath() : uri.getPath();
            Recorded request = new Recorded(exchange.getRequestMethod(), path, uri.getRawQuery(), Map.copyOf(headers), body);
            requests.add(request);
            respond(exchange, request);
        }
    }

    /** Sends {@code reply} when it is {@link Canned}: false when the fake still has to answer. */
    protected static boolean sendCanned(HttpExchange exchange, Object reply) throws IOException {
        if (!(reply instanceof Canned canned)) return false;
        canned.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        send(exchange, canned.status(), "application/json", canned.body());
        return true;
    }

    /** Answers with the whole body at once (a fixed length, so streams arrive as one piece). */
    protected static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
