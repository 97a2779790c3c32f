package relay.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * A loopback HTTP proxy in front of a DynamoDB endpoint (the embedded one) that can hold every request until the
 * test releases it, as a slow DynamoDB would, and can answer a BatchWriteItem with part of it left in
 * {@code UnprocessedItems}, as a throttled DynamoDB does (the embedded DynamoDB never does). It records the
 * operations it passed on.
 */
final class DynamoDbProxy implements AutoCloseable {
    /** How long a held request waits at most: only a broken test or store gets there. */
    static final Duration MAX_HOLD = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the client sent it: the operation and, for a BatchWriteItem, how many writes it carried. */
    record Call(String operation, int writes) {}

    private final URI target;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Semaphore arrived = new Semaphore(0);
    private final AtomicInteger answered = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile int unprocessedLeave;
    private final AtomicInteger unprocessedTimes = new AtomicInteger();

    private DynamoDbProxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static DynamoDbProxy start(URI target) {
        try {
            return new DynamoDbProxy(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** From now on every request waits, before it reaches DynamoDB, until {@link #release()} (or {@link #MAX_HOLD}). */
    void hold() {
        gate = new CountDownLatch(1);
    }

    /** Lets the held requests and all later ones through. */
    void release() {
        gate.countDown();
    }

    /** Waits (up to 30 s) until {@code n} more requests have arrived; true if they did. */
    boolean awaitArrivals(int n) throws InterruptedException {
        return arrived.tryAcquire(n, 30, TimeUnit.SECONDS);
    }

    /** How many requests have been answered. */
    int answered() {
        return answered.get();
    }

    /** Waits (up to 30 s) until {@code n} requests in all have been answered; true if they were. */
    boolean awaitAnswered(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (answered) {
            while (answered.get() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(answered, left);
            }
        }
        return true;
    }

    /**
     * The next {@code times} BatchWriteItems pass all but their last {@code leave} writes on to DynamoDB and answer
     * those as UnprocessedItems.
     */
    /**
     * Answers every write that holds {@code requestId} as DynamoDB answers an item it refuses (a
     * ValidationException, e.g. over 400 KB): Relay trims its records to fit, so a refused item is made here.
     */
    void refuse(String requestId) {
        refused = requestId;
    }

    private volatile String refused;

    void leaveUnprocessed(int leave, int times) {
        unprocessedLeave = leave;
        unprocessedTimes.set(times);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String targetHeader = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = targetHeader == null ? "" : targetHeader.substring(targetHeader.indexOf('.') + 1);
            ObjectNode request = body.length == 0 ? null : (ObjectNode) JSON.readTree(body);
            calls.add(new Call(operation, "BatchWriteItem".equals(operation) ? writes(request) : 0));
            arrived.release();
            gate.await(MAX_HOLD.toSeconds(), TimeUnit.SECONDS);

            if (refused != null && new String(body, java.nio.charset.StandardCharsets.UTF_8).contains(refused)) {
                byte[] refusal = ("{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                        + "\"message\":\"Item size has exceeded the maximum allowed size\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                answer(exchange, 400, refusal);
                return;
            }
            ArrayNode leftOver = null;
            String leftOverTable = null;
            if ("BatchWriteItem".equals(operation) && unprocessedTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                // Our store writes one table per batch.
                Map.Entry<String, JsonNode> table = request.get("RequestItems").properties().iterator().next();
                ArrayNode all = (ArrayNode) table.getValue();
                ArrayNode kept = JSON.createArrayNode();
                leftOver = JSON.createArrayNode();
                int keep = Math.max(0, all.size() - unprocessedLeave);
                int i = 0;
                for (Iterator<JsonNode> it = all.elements(); it.hasNext(); i++) {
                    (i < keep ? kept : leftOver).add(it.next());
                }
                leftOverTable = table.getKey();
                if (kept.isEmpty()) { // nothing to forward (DynamoDB refuses an empty list): all of it is left over
                    ObjectNode json = JSON.createObjectNode();
                    json.putObject("UnprocessedItems").set(leftOverTable, leftOver);
                    answer(exchange, 200, JSON.writeValueAsBytes(json));
                    return;
                }
                ((ObjectNode) request.get("RequestItems")).set(leftOverTable, kept);
                body = JSON.writeValueAsBytes(request);
            }

            HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve("/"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            for (String name : List.of("X-Amz-Target", "Content-Type")) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value != null) forward.header(name, value);
            }
            HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] answer = response.body();
            if (leftOver != null && !leftOver.isEmpty() && response.statusCode() == 200) {
                ObjectNode json = (ObjectNode) JSON.readTree(answer);
                json.putObject("UnprocessedItems").set(leftOverTable, leftOver);
                answer = JSON.writeValueAsBytes(json);
            }
            response.headers().firstValue("x-amzn-RequestId").ifPresent(v -> exchange.getResponseHeaders().set("x-amzn-RequestId", v));
            answer(exchange, response.statusCode(), answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(HttpExchange exchange, int status, byte[] answer) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.getResponseHeaders().set("x-amz-crc32", Long.toString(crc.getValue()));
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
        synchronized (answered) {
            answered.incrementAndGet();
            answered.notifyAll();
        }
    }

    private static int writes(ObjectNode request) {
        int n = 0;
        for (Map.Entry<String, JsonNode> table : request.get("RequestItems").properties()) n += table.getValue().size();
        return n;
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
        http.close();
    }
}
