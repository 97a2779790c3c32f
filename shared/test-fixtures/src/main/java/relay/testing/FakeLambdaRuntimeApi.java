package relay.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real HTTP/1.1 server on loopback that plays the Lambda Runtime API (version 2018-06-01) for a
 * runtime under test: {@code invocation/next} hands out queued events, and the response, invocation
 * error, init error, {@code restore/next} and {@code restore/error} endpoints record exactly what the
 * runtime sent: headers, the body after de-chunking, each chunk as it arrived, and trailers.
 *
 * <p>Every request and every chunk also goes into one ordered {@link #timeline()}, into which a test
 * can {@link #note} its own events (a log write, a priming step), so a test asserts the order in which
 * things happened instead of how long they took.
 */
public final class FakeLambdaRuntimeApi implements AutoCloseable {
    public static final String PREFIX = "/2018-06-01/runtime";
    private static final Duration DEFAULT_TIME_LIMIT = Duration.ofMinutes(15);

    /** One queued invocation, as {@code next} hands it out. */
    public record Invocation(String requestId, long deadlineMs, String functionArn, String traceId, byte[] event) {}

    /** An invocation response: the request's headers (lower-case names), each chunk as sent, the whole body, the trailers. */
    public record Response(String requestId, Map<String, String> headers, boolean chunked, List<byte[]> chunks,
                           byte[] body, Map<String, String> trailers) {
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A report to one of the error endpoints ({@code invocation/<id>/error}, {@code init/error}, {@code restore/error}). */
    public record ErrorReport(String path, Map<String, String> headers, String body) {
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    private final ServerSocket server;
    private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> timeline = new ArrayList<>();
    private final Map<String, Response> responses = new LinkedHashMap<>();
    private final Map<String, ByteArrayOutputStream> partial = new LinkedHashMap<>();
    private final List<ErrorReport> errors = new ArrayList<>();
    private final Map<String, Integer> cuts = new ConcurrentHashMap<>();
    private volatile Observer observer = Observer.NONE;
    private volatile boolean closed;

    /**
     * Told of each timeline event as it is recorded, and of each invocation once it has been handed out
     * ({@code next-answered <id>}, which is not in the timeline), with {@link System#nanoTime()} at that
     * moment: a benchmark's clock. Called on the connection's thread, outside any lock; keep it short.
     */
    @FunctionalInterface
    public interface Observer {
        Observer NONE = (event, nanoTime) -> {};

        void observe(String event, long nanoTime);
    }

    private FakeLambdaRuntimeApi() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("fake-runtime-api-accept").start(this::accept);
    }

    public static FakeLambdaRuntimeApi start() {
        try {
            return new FakeLambdaRuntimeApi();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Runtime API", e);
        }
    }

    /** What Lambda puts in {@code AWS_LAMBDA_RUNTIME_API}: {@code host:port}. */
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Queues an event with a 15-minute deadline, a function ARN and a trace id. */
    public void enqueue(String requestId, byte[] event) {
        enqueue(new Invocation(requestId, Instant.now().plus(DEFAULT_TIME_LIMIT).toEpochMilli(),
                "arn:aws:lambda:us-east-1:123456789012:function:relay-proxy:live",
                "Root=1-67d15ed9-73cb4ee64f2549a59bdd0b8b;Parent=9a9197af755a6419;Sampled=1", event));
    }

    public void enqueue(Invocation invocation) {
        queue.add(invocation);
    }

    /**
     * Closes the connection of {@code requestId}'s response once {@code chunks} chunks have arrived, as
     * Lambda does when the client has gone: the runtime's next write or its wait for a status fails.
     */
    public void cutResponse(String requestId, int chunks) {
        cuts.put(requestId, chunks);
    }

    /** Replaces the {@link Observer} (none by default). */
    public void observe(Observer observer) {
        this.observer = observer == null ? Observer.NONE : observer;
    }

    /** Adds a test's own event to the timeline, between whatever the runtime did before and after. */
    public void note(String event) {
        record(event);
    }

    /** Everything in order: {@code next}, {@code response-start <id>}, {@code chunk <id> <n>}, {@code response-end <id>}, errors, notes. */
    public List<String> timeline() {
        synchronized (timeline) {
            return List.copyOf(timeline);
        }
    }

    /** Waits until the timeline satisfies {@code condition}; fails after {@code timeout}. */
    public List<String> awaitTimeline(Predicate<List<String>> condition, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (timeline) {
            while (!condition.test(timeline)) {
                long left = end - System.nanoTime();
                if (left <= 0) throw new AssertionError("the Runtime API never saw what was awaited; timeline: " + timeline);
                try {
                    TimeUnit.NANOSECONDS.timedWait(timeline, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            return List.copyOf(timeline);
        }
    }

    /** Waits for {@code event} in the timeline. */
    public List<String> awaitEvent(String event, Duration timeout) {
        return awaitTimeline(t -> t.contains(event), timeout);
    }

    /** Waits until the response to {@code requestId} is complete (its last chunk, or its whole fixed-length body). */
    public Response awaitResponse(String requestId, Duration timeout) {
        awaitEvent("response-end " + requestId, timeout);
        synchronized (timeline) {
            return responses.get(requestId);
        }
    }

    /** Waits until the body received so far for {@code requestId}, de-chunked, contains {@code text}. */
    public void awaitReceived(String requestId, String text, Duration timeout) {
        awaitTimeline(t -> {
            ByteArrayOutputStream body = partial.get(requestId);
            return body != null && body.toString(StandardCharsets.UTF_8).contains(text);
        }, timeout);
    }

    /** The error reports received so far, in order. */
    public List<ErrorReport> errors() {
        synchronized (timeline) {
            return List.copyOf(errors);
        }
    }

    /** Waits for a report to the error endpoint at {@code path} (after {@link #PREFIX}, e.g. {@code /init/error}). */
    public ErrorReport awaitError(String path, Duration timeout) {
        awaitTimeline(t -> errors.stream().anyMatch(e -> e.path().equals(path)), timeout);
        synchronized (timeline) {
            return errors.stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow();
        }
    }

    /** How many connections the runtime has opened so far. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** How many times the runtime asked for its next event. */
    public long nextCalls() {
        return timeline().stream().filter("next"::equals).count();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void record(String event) {
        long now = System.nanoTime();
        synchronized (timeline) {
            timeline.add(event);
            timeline.notifyAll();
        }
        observer.observe(event, now);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                // With Nagle on, an answer written after a 100 Continue would wait for the runtime's delayed
                // ACK, some 40 ms, which a benchmark would take for the runtime's own time.
                socket.setTcpNoDelay(true);
                connections.add(socket);
                accepted.incrementAndGet();
                // A thread of its own per connection (a runtime keeps one or two): a virtual thread's wake-up passes
                // through the poller and a carrier thread, latency a benchmark would take for the runtime's own.
                Thread.ofPlatform().daemon().name("fake-runtime-api-connection").start(() -> serve(socket));
            } catch (IOException e) {
                if (!closed) throw new IllegalStateException(e);
            }
        }
    }

    /** One connection: HTTP/1.1 requests one after another until the runtime closes it. */
    private void serve(Socket socket) {
        // Buffered both ways, as a real server reads and writes: read byte by byte from the socket, a request's
        // head alone would cost hundreds of system calls, which a benchmark would take for the runtime's own time.
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
             OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024)) {
            while (!closed) {
                String requestLine = readLine(in);
                if (requestLine == null) return;
                String[] parts = requestLine.split(" ");
                if (parts.length != 3) throw new IOException("bad request line: " + requestLine);
                Map<String, String> headers = readHeaders(in);
                if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                if (!route(parts[0], parts[1], headers, in, out)) return;
            }
        } catch (SocketException | EOFException e) {
            // the runtime closed the connection, or we did
        } catch (IOException e) {
            if (!closed) record("connection-failed " + e.getMessage());
        } finally {
            connections.remove(socket);
        }
    }

    /** Answers one request; false when the connection is to be closed. */
    private boolean route(String method, String target, Map<String, String> headers, InputStream in, OutputStream out) throws IOException {
        if (!target.startsWith(PREFIX)) {
            readBody(null, headers, in);
            return reply(out, 404, "{\"errorMessage\":\"unknown path\"}");
        }
        String path = target.substring(PREFIX.length());
        if (method.equals("GET") && path.equals("/invocation/next")) {
            record("next");
            Invocation invocation = take();
            if (invocation == null) return false;
            byte[] body = invocation.event();
            String head = "HTTP/1.1 200 OK\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Lambda-Runtime-Aws-Request-Id: " + invocation.requestId() + "\r\n"
                    + "Lambda-Runtime-Deadline-Ms: " + invocation.deadlineMs() + "\r\n"
                    + "Lambda-Runtime-Invoked-Function-Arn: " + invocation.functionArn() + "\r\n"
                    + "Lambda-Runtime-Trace-Id: " + invocation.traceId() + "\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            observer.observe("next-answered " + invocation.requestId(), System.nanoTime());
            return true;
        }
        if (method.equals("GET") && path.equals("/restore/next")) {
            record("restore-next");
            return reply(out, 200, "");
        }
        if (method.equals("POST") && path.startsWith("/invocation/") && path.endsWith("/response")) {
            String requestId = path.substring("/invocation/".length(), path.length() - "/response".length());
            record("response-start " + requestId);
            Response response = readBody(requestId, headers, in);
            synchronized (timeline) {
                responses.put(requestId, response);
            }
            record("response-end " + requestId);
            return reply(out, 202, "{\"status\":\"OK\"}");
        }
        if (method.equals("POST") && (path.endsWith("/error"))) {
            Response body = readBody(null, headers, in);
            synchronized (timeline) {
                errors.add(new ErrorReport(path, headers, body.bodyText()));
            }
            record(path.startsWith("/invocation/") ? "invocation-error " + path.split("/")[2]
                    : path.equals("/init/error") ? "init-error" : "restore-error");
            return reply(out, 202, "{\"status\":\"OK\"}");
        }
        readBody(null, headers, in);
        return reply(out, 404, "{\"errorMessage\":\"unknown path\"}");
    }

    private Invocation take() {
        try {
            while (!closed) {
                Invocation next = queue.poll(100, TimeUnit.MILLISECONDS);
                if (next != null) return next;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** Reads a fixed-length or chunked body; chunks are recorded as they arrive when {@code requestId} is given. */
    private Response readBody(String requestId, Map<String, String> headers, InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<byte[]> chunks = new ArrayList<>();
        Map<String, String> trailers = new LinkedHashMap<>();
        boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
        if (requestId != null) {
            synchronized (timeline) {
                partial.put(requestId, body);
            }
        }
        if (chunked) {
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) throw new EOFException("the body ended before its last chunk");
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    trailers.putAll(readHeaders(in));
                    break;
                }
                byte[] chunk = in.readNBytes(size);
                if (chunk.length < size) throw new EOFException("a chunk ended early");
                String crlf = readLine(in);
                if (crlf == null || !crlf.isEmpty()) throw new IOException("a chunk does not end in CRLF");
                synchronized (timeline) {
                    chunks.add(chunk);
                    body.writeBytes(chunk);
                }
                if (requestId != null) record("chunk " + requestId + " " + (chunks.size() - 1));
                if (requestId != null && cuts.getOrDefault(requestId, Integer.MAX_VALUE) <= chunks.size()) {
                    record("response-cut " + requestId);
                    throw new EOFException("the response was cut on purpose");
                }
            }
        } else {
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] whole = in.readNBytes(length);
            if (whole.length < length) throw new EOFException("the body ended early");
            synchronized (timeline) {
                body.writeBytes(whole);
                if (length > 0) chunks.add(whole);
            }
        }
        return new Response(requestId, Map.copyOf(headers), chunked, List.copyOf(chunks), body.toByteArray(), Map.copyOf(trailers));
    }

    private static boolean reply(OutputStream out, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            default -> "Not Found";
        };
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return true;
    }

    /** Header (or trailer) lines up to the blank line; names in lower case, repeated names joined with ", ". */
    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        while (true) {
            String line = readLine(in);
            if (line == null) throw new EOFException("the headers ended early");
            if (line.isEmpty()) return headers;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IOException("bad header line: " + line);
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
    }

    /** One CRLF-terminated line, without the CRLF; null at the end of the stream before any byte. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0 && previous < 0) return null;
                throw new EOFException("a line ended without CRLF");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }
}
