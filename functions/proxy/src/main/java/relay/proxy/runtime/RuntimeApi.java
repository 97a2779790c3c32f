package relay.proxy.runtime;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * The Lambda Runtime API (version 2018-06-01) as Relay's runtime loop uses it: the next invocation, a
 * whole response, a streamed response ({@link StreamedResponse}), and the invocation, init and
 * after-restore error reports, plus SnapStart's {@code restore/next}. Calls go over one kept-alive
 * connection ({@link RuntimeConnection}) and carry no timeout: Lambda freezes the environment between
 * invocations, and its own deadline bounds each one.
 */
public final class RuntimeApi {
    private static final String VERSION = "/2018-06-01/runtime";
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final RuntimeConnection connection;

    private RuntimeApi(String host, int port) {
        this.connection = new RuntimeConnection(host, port);
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
        RuntimeConnection.Answer answer = call("GET", "/invocation/next", Map.of(), null);
        if (answer.status() != 200) throw new IOException("GET /runtime/invocation/next answered " + answer.status());
        String requestId = answer.header("Lambda-Runtime-Aws-Request-Id");
        if (requestId == null) throw new IOException("the next invocation has no Lambda-Runtime-Aws-Request-Id");
        String deadline = answer.header("Lambda-Runtime-Deadline-Ms");
        return new Invocation(requestId, deadline == null ? null : epochMillis(deadline),
                answer.header("Lambda-Runtime-Invoked-Function-Arn"), answer.header("Lambda-Runtime-Trace-Id"), answer.body());
    }

    /** A whole (buffered) response, for callers that cannot stream. */
    public void respond(String requestId, byte[] body) throws IOException {
        expectAccepted("/invocation/" + requestId + "/response", call("POST", "/invocation/" + requestId + "/response", JSON, body));
    }

    /**
     * Starts a streamed response on the kept-alive connection, as AWS's own runtimes for streaming do; nothing
     * may be reported to {@link #invocationError} for this invocation after this.
     */
    public synchronized StreamedResponse stream(String requestId) throws IOException {
        return connection.stream(VERSION + "/invocation/" + requestId + "/response");
    }

    /** The invocation failed before any of its response was sent. */
    public void invocationError(String requestId, LambdaError error) throws IOException {
        report("/invocation/" + requestId + "/error", error);
    }

    /** The init phase failed; the process should exit next. */
    public void initError(LambdaError error) throws IOException {
        report("/init/error", error);
    }

    /** SnapStart: Lambda takes the snapshot during this call, which returns in each restored environment. */
    public void restoreNext() throws IOException {
        RuntimeConnection.Answer answer = call("GET", "/restore/next", Map.of(), null);
        if (answer.status() != 200) throw new IOException("GET /runtime/restore/next answered " + answer.status());
    }

    /** A hook after a SnapStart restore failed; the process should exit next. */
    public void restoreError(LambdaError error) throws IOException {
        report("/restore/error", error);
    }

    private void report(String path, LambdaError error) throws IOException {
        expectAccepted(path, call("POST", path, Map.of("Content-Type", "application/json",
                "Lambda-Runtime-Function-Error-Type", error.categoryHeader()), error.json()));
    }

    /** One thread calls at a time: the loop's, or init's before it. */
    private synchronized RuntimeConnection.Answer call(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        return connection.call(method, VERSION + path, headers, body);
    }

    private static void expectAccepted(String path, RuntimeConnection.Answer answer) throws IOException {
        if (answer.status() != 202) throw new IOException("POST /runtime" + path + " answered " + answer.status());
    }

    private static Instant epochMillis(String value) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
