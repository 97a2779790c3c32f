package relay.sinks;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import relay.core.error.Redaction;
import relay.core.log.Diagnostics;
import relay.core.log.RequestLog;

/**
 * Sends request-log records to every configured sink, all sinks and all requests at once (virtual
 * threads), each HTTP call bounded by a per-sink timeout and retried a few times with backoff when
 * the failure may pass (timeouts, connection errors, 408/425/429/5xx). A sink that is down or hangs
 * costs only its own deliveries: the others go on. What still fails is returned, record by record
 * and sink by sink, for the caller to put somewhere safe; nothing is dropped silently.
 */
public final class Dispatcher {
    /**
     * @param onSuccess the sink is in {@code success_callback}
     * @param onFailure the sink is in {@code failure_callback}
     */
    public record Route(Sink sink, boolean onSuccess, boolean onFailure) {
        boolean wants(SinkEvent event) {
            return (event.success() ? onSuccess : onFailure) && sink.accepts(event);
        }
    }

    /**
     * @param timeout     one HTTP call to one sink, connection to last byte
     * @param attempts    tries per delivery, the first included
     * @param backoff     pause before the second try; doubled before each further one (with jitter)
     * @param concurrency HTTP calls at once per sink
     */
    public record Options(Duration timeout, int attempts, Duration backoff, int concurrency) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(5), 3, Duration.ofMillis(200), 16);
    }

    /** A delivery that failed for good: which record, which sink, why, after how many tries. */
    public record Failure(RequestLog log, String sink, String reason, int attempts) {}

    private final List<Route> routes;
    private final boolean logMessages;
    private final HttpClient http;
    private final Options options;
    private final Map<String, Semaphore> permits;

    public Dispatcher(List<Route> routes, boolean logMessages, HttpClient http, Options options) {
        this.routes = List.copyOf(routes);
        this.logMessages = logMessages;
        this.http = http;
        this.options = options;
        this.permits = new java.util.HashMap<>();
        routes.forEach(r -> permits.put(r.sink().name(), new Semaphore(options.concurrency())));
    }

    /** The sinks the config chose; with none, {@link #deliver} does nothing. */
    public List<Route> routes() {
        return routes;
    }

    public boolean isEmpty() {
        return routes.isEmpty();
    }

    /** Delivers every record to every sink that wants it; returns the deliveries that failed for good. */
    public List<Failure> deliver(List<RequestLog> logs) {
        if (routes.isEmpty() || logs.isEmpty()) return List.of();
        ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        List<SinkEvent> events = new ArrayList<>();
        for (RequestLog log : logs) {
            try {
                events.add(SinkEvent.of(log, logMessages));
            } catch (RuntimeException e) {
                routes.forEach(r -> failures.add(new Failure(log, r.sink().name(),
                        "cannot render the record: " + e.getClass().getSimpleName(), 0)));
            }
        }
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Route route : routes) {
                List<SinkEvent> wanted = events.stream().filter(route::wants).toList();
                int size = Math.max(1, route.sink().maxBatch());
                for (int from = 0; from < wanted.size(); from += size) {
                    List<SinkEvent> chunk = wanted.subList(from, Math.min(wanted.size(), from + size));
                    executor.submit(() -> deliver(route.sink(), chunk, failures));
                }
            }
        }
        return List.copyOf(failures);
    }

    private void deliver(Sink sink, List<SinkEvent> chunk, ConcurrentLinkedQueue<Failure> failures) {
        int attempt = 0;
        while (true) {
            attempt++;
            try {
                send(sink, chunk);
                return;
            } catch (SinkException e) {
                if (!e.retryable() || attempt >= options.attempts()) {
                    Diagnostics.warn("log_sink_delivery_failed", "sink", sink.name(), "records", chunk.size(),
                            "attempts", attempt, "reason", e.getMessage());
                    for (SinkEvent event : chunk) failures.add(new Failure(event.log(), sink.name(), e.getMessage(), attempt));
                    return;
                }
            } catch (RuntimeException e) {
                // a bug in a sink must not take the other deliveries with it
                String reason = "unexpected " + e.getClass().getSimpleName();
                Diagnostics.warn("log_sink_delivery_failed", "sink", sink.name(), "records", chunk.size(), "reason", reason);
                for (SinkEvent event : chunk) failures.add(new Failure(event.log(), sink.name(), reason, attempt));
                return;
            }
            pause(attempt);
        }
    }

    private void send(Sink sink, List<SinkEvent> chunk) {
        SinkRequest request = sink.request(chunk);
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(options.timeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        Semaphore semaphore = permits.get(sink.name());
        semaphore.acquireUninterruptibly();
        HttpResponse<String> response;
        CompletableFuture<HttpResponse<String>> call = null;
        try {
            call = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString());
            response = call.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new SinkException(sink.name() + " did not answer within " + options.timeout().toMillis() + " ms", true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof java.net.http.HttpTimeoutException) {
                throw new SinkException(sink.name() + " did not answer within " + options.timeout().toMillis() + " ms", true);
            }
            throw new SinkException(sink.name() + " unreachable: " + cause.getClass().getSimpleName(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException(sink.name() + ": interrupted", true);
        } finally {
            semaphore.release();
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            sink.checkAccepted(status, response.body());
            return;
        }
        boolean retryable = status == 408 || status == 425 || status == 429 || status >= 500;
        throw new SinkException(sink.name() + " answered HTTP " + status + excerpt(response.body()), retryable);
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) return "";
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return ": " + Redaction.scrub(oneLine.length() > 200 ? oneLine.substring(0, 200) : oneLine, null);
    }

    private void pause(int attempt) {
        long base = options.backoff().toMillis() << (attempt - 1);
        long jitter = base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 2 + 1);
        try {
            Thread.sleep(base + jitter);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
