package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * The common part of the loopback servers that stand in for log sinks (Supabase, PostHog, Mixpanel,
 * Sentry, Helicone) and SQS: a real HTTP server that records every request, answers as the vendor
 * does (each subclass checks the vendor's contract: path, auth headers, body shape) and can be told
 * to fail the next requests with a status or to answer them late.
 */
public abstract class FakeSinkServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted reply, used once, in the order enqueued; when none is queued the vendor's normal answer is sent. */
    public sealed interface Reply {
        /** This status and body instead of the vendor's answer. */
        record Status(int status, String body) implements Reply {}

        /** The vendor's normal answer, after a delay (longer than a client's timeout: a hung vendor). */
        record Slow(Duration delay) implements Reply {}
    }

    /** What the server received; header names are lower case. */
    public record Recorded(String method, String path, String query, Map<String, String> headers, String body, int status)
            implements ReceivedRequest {

        public boolean accepted() {
            return status >= 200 && status < 300;
        }
    }

    /** The vendor's answer to one request. */
    protected record Answer(int status, String contentType, String body) {
        static Answer json(int status, String body) {
            return new Answer(status, "application/json", body);
        }
    }

    private final HttpServer server;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();

    protected FakeSinkServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + getClass().getSimpleName(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:port}, no trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request received, failed and scripted ones included, in arrival order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** The requests the vendor accepted (answered 2xx). */
    public List<Recorded> accepted() {
        return requests.stream().filter(Recorded::accepted).toList();
    }

    public void enqueue(Reply... replies) {
        script.addAll(List.of(replies));
    }

    /** The next {@code n} requests are answered {@code status} with the vendor's usual error body. */
    public void failNext(int n, int status) {
        for (int i = 0; i < n; i++) script.add(new Reply.Status(status, errorBody(status)));
    }

    public void reset() {
        requests.clear();
        script.clear();
    }

    /** Waits until {@code condition} holds for the recorded requests, or fails after {@code timeout}. */
    public void await(Predicate<List<Recorded>> condition, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.test(requests())) {
            if (System.nanoTime() > end) {
                throw new AssertionError(getClass().getSimpleName() + ": condition not met within " + timeout
                        + "; received " + requests.size() + " requests");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    /** Checks the request against the vendor's contract and answers as the vendor does. */
    protected abstract Answer answer(String method, String path, String query, Map<String, String> headers, String body);

    /** The vendor's error body for a scripted failure. */
    protected String errorBody(int status) {
        return "{\"error\":\"scripted failure " + status + "\"}";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            Reply reply = script.poll();
            Answer answer;
            if (reply instanceof Reply.Status s) {
                answer = Answer.json(s.status(), s.body());
            } else {
                if (reply instanceof Reply.Slow slow) sleep(slow.delay());
                answer = answer(method, path, query, headers, body);
            }
            requests.add(new Recorded(method, path, query, Map.copyOf(headers), body, answer.status()));
            byte[] bytes = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
            if (answer.contentType() != null) exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            extraHeaders(exchange);
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            // the client went away (e.g. it timed out on a slow reply)
        }
    }

    /** Headers every answer of this vendor carries. */
    protected void extraHeaders(HttpExchange exchange) {}

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static Map<String, String> queryParameters(String query) {
        Map<String, String> params = new HashMap<>();
        if (query == null) return params;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
