package relay.proxy.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import relay.core.api.AfterAnswer;
import relay.core.api.ApiRequest;
import relay.core.api.ResponseSink;
import relay.core.log.Diagnostics;
import relay.proxy.ProxyEvent;
import relay.proxy.RelayWiring;

/**
 * Relay's own Lambda runtime: the loop that takes each invocation from the Runtime API, streams the
 * answer back as it is made (REST API and Function URL events; an HTTP API gets one whole answer), and
 * only once Lambda has accepted the whole answer does the request's bookkeeping (the request log
 * write, the cache store) before it asks for the next invocation. So a client never waits for
 * DynamoDB, and no record is lost to a frozen environment.
 *
 * <p>It replaces AWS's runtime client, whose response is always buffered. Lambda starts it through
 * the {@code relay-runtime} wrapper script ({@code AWS_LAMBDA_EXEC_WRAPPER}) in the managed
 * {@code java21} runtime, which keeps SnapStart: under {@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}
 * it primes the request path, calls {@code restore/next} (the snapshot is taken there), then renews
 * what must differ between restored environments.
 */
public final class RelayRuntime {
    static final String TRACE_HEADER_PROPERTY = "com.amazonaws.xray.traceHeader";
    private static final String SNAP_START = "snap-start";

    /** Answers one request into a sink and returns the bookkeeping for after the answer: {@code RelayApi::handle}. */
    @FunctionalInterface
    public interface Handler {
        AfterAnswer handle(ApiRequest request, ResponseSink sink);
    }

    /** What the loop serves, with its SnapStart hooks: before the snapshot, and in each restored environment. */
    public record Served(Handler handler, Runnable prime, Runnable afterRestore) {}

    private final RuntimeApi runtime;
    private final Handler handler;
    private final boolean streaming;

    /** @param streaming false to answer every event whole (an emulator that invokes without streaming) */
    public RelayRuntime(RuntimeApi runtime, Handler handler, boolean streaming) {
        this.runtime = runtime;
        this.handler = handler;
        this.streaming = streaming;
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        System.exit(start(env, RuntimeApi.at(env.get("AWS_LAMBDA_RUNTIME_API")), RelayRuntime::wire));
    }

    /** Relay's wiring from the Lambda environment. */
    static Served wire(Map<String, String> env) {
        RelayWiring.LambdaFunction function = RelayWiring.lambdaFunction(env);
        return new Served(function.api()::handle, function.prime(), function.afterRestore());
    }

    /**
     * The runtime's life: init (a failure is reported to {@code init/error}), the SnapStart checkpoint
     * when Lambda takes one, then invocations until the Runtime API stops answering. Returns the exit
     * status, never 0: a runtime only ends when something went wrong.
     */
    public static int start(Map<String, String> env, RuntimeApi runtime, Function<Map<String, String>, Served> wiring) {
        Served served;
        try {
            served = wiring.apply(env);
        } catch (Throwable e) {
            Diagnostics.warn("init_failed", "error", e.getClass().getName(), "message", e.getMessage());
            report(() -> runtime.initError(LambdaError.init(e)));
            return 1;
        }
        // An emulator (sam local) invokes without streaming; a streamed answer would reach it as raw bytes.
        RelayRuntime loop = new RelayRuntime(runtime, served.handler(), !"true".equals(env.get("AWS_SAM_LOCAL")));
        if (SNAP_START.equals(env.get("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            try {
                served.prime().run();
                primeOwnPath();
                runtime.restoreNext();
            } catch (Throwable e) {
                Diagnostics.warn("snapshot_failed", "error", e.getClass().getName(), "message", e.getMessage());
                report(() -> runtime.initError(LambdaError.of(LambdaError.BEFORE_CHECKPOINT, e)));
                return 64;
            }
            try {
                served.afterRestore().run();
            } catch (Throwable e) {
                Diagnostics.warn("restore_failed", "error", e.getClass().getName(), "message", e.getMessage());
                report(() -> runtime.restoreError(LambdaError.of(LambdaError.AFTER_RESTORE, e)));
                return 64;
            }
        }
        try {
            loop.run();
        } catch (IOException e) {
            Diagnostics.warn("runtime_api_unreachable", "error", e.getClass().getName(), "message", e.getMessage());
        }
        return 2;
    }

    /** Serves invocations until the Runtime API cannot give the next one. */
    public void run() throws IOException {
        while (true) serve(runtime.next());
    }

    /**
     * One invocation: the answer goes out, Lambda accepts it, then the bookkeeping runs. A failure
     * before any byte went out is reported as an invocation error; after, in the stream's trailers.
     */
    void serve(Invocation invocation) {
        if (invocation.traceId() != null) System.setProperty(TRACE_HEADER_PROPERTY, invocation.traceId());
        else System.clearProperty(TRACE_HEADER_PROPERTY);
        String requestId = invocation.requestId();
        Reply reply = null;
        AfterAnswer after = AfterAnswer.NOTHING;
        try {
            ProxyEvent event = ProxyEvent.read(invocation.event(), requestId, invocation.deadline());
            reply = streaming && event.source() != ProxyEvent.Source.HTTP_API
                    ? new StreamedReply(runtime, requestId) : new BufferedReply(runtime, requestId);
            switch (event) {
                case ProxyEvent.Readable readable -> after = handler.handle(readable.request(), reply);
                case ProxyEvent.Unreadable unreadable -> reply.send(unreadable.answer());
            }
            reply.complete();
        } catch (Throwable e) {
            fail(requestId, reply, e);
            if (e instanceof VirtualMachineError fatal) throw fatal;
        }
        after.run();
    }

    private void fail(String requestId, Reply reply, Throwable e) {
        Diagnostics.warn("invocation_failed", "request_id", requestId, "error", e.getClass().getName(), "message", e.getMessage());
        LambdaError error = LambdaError.of(LambdaError.INVOCATION, e);
        if (reply != null && reply.sent()) report(() -> reply.fail(error));
        else report(() -> runtime.invocationError(requestId, error));
    }

    /** Runs the loop's own code once before a snapshot (event reading, the prelude, chunk and error encoding), so restores start warm. */
    static void primeOwnPath() throws IOException {
        String event = "{\"httpMethod\":\"POST\",\"path\":\"/v1/chat/completions\",\"headers\":{\"content-type\":\"application/json\"},"
                + "\"requestContext\":{\"requestId\":\"priming\"},\"body\":\"e30=\",\"isBase64Encoded\":true}";
        ProxyEvent.read(event.getBytes(StandardCharsets.UTF_8), "priming", java.time.Instant.now().plusSeconds(60));
        OutputStream nowhere = OutputStream.nullOutputStream();
        StreamedResponse.writeChunk(nowhere, StreamedReply.prelude(200, Map.of("content-type", "text/event-stream")));
        StreamedResponse.writeChunk(nowhere, "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        nowhere.write(StreamedResponse.head("127.0.0.1:9001", "/priming"));
        LambdaError.of(LambdaError.INVOCATION, new IllegalStateException("priming")).base64Json();
    }

    @FunctionalInterface
    private interface RuntimeCall {
        void run() throws IOException;
    }

    private static void report(RuntimeCall call) {
        try {
            call.run();
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("runtime_api_report_failed", "error", e.getClass().getName(), "message", e.getMessage());
        }
    }
}
