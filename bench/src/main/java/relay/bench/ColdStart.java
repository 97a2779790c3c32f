package relay.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Map;
import relay.proxy.ProxyHandler;

/**
 * One cold start of the Lambda handler, in a fresh JVM that {@link RelayBench} spawns: JVM start, main,
 * {@code new ProxyHandler()} (Lambda's init phase, wired from the environment as on AWS), then the
 * first {@code handleRequest} of a chat completion event. Prints one JSON line starting with
 * {@link #MARKER} and exits.
 *
 * <p>Usage: {@code ColdStart <master key> <model>}. Uses nothing but the handler, the Lambda event
 * classes and the JDK, so what it loads is what the deployed function loads.
 */
public final class ColdStart {
    static final String MARKER = "{\"relay_bench_cold_start\":";

    private ColdStart() {}

    public static void main(String[] args) {
        // The clocks first: everything after this line is Relay's cost, not the JVM's.
        long mainEpochMillis = System.currentTimeMillis();
        long mainNanos = System.nanoTime();
        if (args.length != 2) {
            System.err.println("usage: ColdStart <master key> <model>");
            System.exit(2);
        }

        ProxyHandler handler = new ProxyHandler(); // reads RELAY_* and AWS_* from the environment, as on Lambda
        long initNanos = System.nanoTime();

        APIGatewayV2HTTPResponse response = handler.handleRequest(chatEvent(args[0], args[1]), null);
        long invokeNanos = System.nanoTime();
        long handledEpochMillis = System.currentTimeMillis();

        // Read only now: the management classes it loads are not part of Relay's cold start.
        long jvmStartEpochMillis = ManagementFactory.getRuntimeMXBean().getStartTime();

        double jvmToMainMs = mainEpochMillis - jvmStartEpochMillis;
        double initMs = (initNanos - mainNanos) / 1e6;
        double firstInvokeMs = (invokeNanos - initNanos) / 1e6;
        String body = response.getBody() == null ? "" : response.getBody();
        String line = MARKER + "1"
                + ",\"jvm_start_epoch_ms\":" + jvmStartEpochMillis
                + ",\"main_epoch_ms\":" + mainEpochMillis
                + ",\"handled_epoch_ms\":" + handledEpochMillis
                + ",\"jvm_start_to_main_ms\":" + jvmToMainMs
                + ",\"init_ms\":" + initMs
                + ",\"first_invoke_ms\":" + firstInvokeMs
                + ",\"jvm_start_to_first_event_ms\":" + (jvmToMainMs + initMs + firstInvokeMs)
                + ",\"status\":" + response.getStatusCode()
                + ",\"body_head\":\"" + escape(body.length() > 300 ? body.substring(0, 300) : body) + "\""
                + "}";
        System.out.println(line);
        System.out.flush();
        System.exit(response.getStatusCode() == 200 ? 0 : 1); // the SDK's and HTTP client's threads must not keep it alive
    }

    /** What API Gateway (HTTP API, payload 2.0) sends for {@code POST /v1/chat/completions}. */
    static APIGatewayV2HTTPEvent chatEvent(String masterKey, String model) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";
        Instant now = Instant.now();
        var http = APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                .withMethod("POST")
                .withPath("/v1/chat/completions")
                .withProtocol("HTTP/1.1")
                .withSourceIp("127.0.0.1")
                .withUserAgent("relay-bench")
                .build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAccountId("000000000000")
                .withApiId("relaybench")
                .withDomainName("relaybench.execute-api.us-east-1.amazonaws.com")
                .withRequestId("cold-start-" + now.toEpochMilli())
                .withRouteKey("$default")
                .withStage("$default")
                .withTimeEpoch(now.toEpochMilli())
                .withHttp(http)
                .build();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath("/v1/chat/completions")
                .withRawQueryString("")
                .withHeaders(Map.of(
                        "authorization", "Bearer " + masterKey,
                        "content-type", "application/json",
                        "accept", "application/json",
                        "content-length", Integer.toString(body.length()),
                        "user-agent", "relay-bench"))
                .withRequestContext(context)
                .withBody(body)
                .withIsBase64Encoded(false)
                .build();
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c)); else out.append(c);
                }
            }
        }
        return out.toString();
    }
}
