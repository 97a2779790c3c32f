package relay.proxy.runtime;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

/**
 * The Lambda Runtime API (version 2018-06-01) as Relay's runtime loop uses it: the next invocation, a
 * whole response, a streamed response ({@link StreamedResponse}), and the invocation, init and
 * after-restore error reports, plus SnapStart's {@code restore/next}. Requests carry no timeout: Lambda
 * freezes the environment between invocations, and its own deadline bounds each one.
 */
public final class RuntimeApi {
    private static final String VERSION = "/2018-06-01/runtime";

    private final String host;
    private final int port;
    private final URI base;
    private final HttpClient http;

    private RuntimeApi(String host, int port) {
        this.host = host;
        this.port = port;
        this.base = URI.create("http://" + host + ":" + port + VERSION);
        // HTTP/1.1: the Runtime API speaks nothing else, and an h2c upgrade offer would only add headers
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    /** {@code address} is {@code AWS_LAMBDA_RUNTIME_API}: {@code host:port}. */
    public static RuntimeApi at(String address) {
        if (address == null || address.isBlank()) throw new IllegalArgumentException("AWS_LAMBDA_RUNTIME_API is not set");
        int colon = address.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("AWS_LAMBDA_RUNTIME_API is not host:port: " + address);
        return new RuntimeApi(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    }

    /** Waits for the next invocation; throws when the Runtime API cannot give one (the process should end). */
    public Invocation next() throws IOException {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/invocation/next")).GET().build());
        if (response.statusCode() != 200) throw new IOException("GET /runtime/invocation/next answered " + response.statusCode());
        var headers = response.headers();
        String requestId = headers.firstValue("Lambda-Runtime-Aws-Request-Id")
                .orElseThrow(() -> new IOException("the next invocation has no Lambda-Runtime-Aws-Request-Id"));
        Instant deadline = headers.firstValue("Lambda-Runtime-Deadline-Ms").map(RuntimeApi::epochMillis).orElse(null);
        return new Invocation(requestId, deadline, headers.firstValue("Lambda-Runtime-Invoked-Function-Arn").orElse(null),
                headers.firstValue("Lambda-Runtime-Trace-Id").orElse(null), response.body());
    }

    /** A whole (buffered) response, for callers that cannot stream. */
    public void respond(String requestId, byte[] body) throws IOException {
        expectAccepted(post("/invocation/" + requestId + "/response", null, body));
    }

    /** Starts a streamed response; nothing may be reported to {@link #invocationError} for this invocation after this. */
    public StreamedResponse stream(String requestId) throws IOException {
        return StreamedResponse.open(host, port, VERSION + "/invocation/" + requestId + "/response");
    }

    /** The invocation failed before any of its response was sent. */
    public void invocationError(String requestId, LambdaError error) throws IOException {
        expectAccepted(post("/invocation/" + requestId + "/error", error.categoryHeader(), error.json()));
    }

    /** The init phase failed; the process should exit next. */
    public void initError(LambdaError error) throws IOException {
        expectAccepted(post("/init/error", error.categoryHeader(), error.json()));
    }

    /** SnapStart: Lambda takes the snapshot during this call, which returns in each restored environment. */
    public void restoreNext() throws IOException {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/restore/next")).GET().build());
        if (response.statusCode() != 200) throw new IOException("GET /runtime/restore/next answered " + response.statusCode());
    }

    /** A hook after a SnapStart restore failed; the process should exit next. */
    public void restoreError(LambdaError error) throws IOException {
        expectAccepted(post("/restore/error", error.categoryHeader(), error.json()));
    }

    private HttpResponse<byte[]> post(String path, String errorCategory, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (errorCategory != null) request.header("Lambda-Runtime-Function-Error-Type", errorCategory);
        return send(request.build());
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while calling the Runtime API");
        }
    }

    private static void expectAccepted(HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() != 202) {
            throw new IOException(response.request().method() + " " + response.request().uri().getPath() + " answered " + response.statusCode());
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static Instant epochMillis(String value) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
