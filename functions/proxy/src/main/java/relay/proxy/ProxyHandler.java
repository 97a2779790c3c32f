package relay.proxy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import relay.core.Json;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.api.RelayApi;
import relay.core.error.ErrorKind;
import relay.core.wire.ErrorBody;
import org.crac.Core;
import org.crac.Resource;

/**
 * The Lambda entry point for API Gateway HTTP API events (payload format 2.0). All wiring happens in
 * the constructor, during the init phase, so SnapStart captures it and each invocation only works.
 */
public final class ProxyHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource {
    private final RelayApi api;

    /** Used by Lambda. With SnapStart, the handler primes itself just before the snapshot is taken. */
    public ProxyHandler() {
        this(RelayWiring.fromLambdaEnvironment(System.getenv()));
        Core.getGlobalContext().register(this);
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        api.prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // nothing to reconnect: clients open connections on first use, and keys are read after restore
    }

    public ProxyHandler(RelayApi api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String requestId = requestId(event);
        byte[] body;
        try {
            body = body(event);
        } catch (IllegalArgumentException e) {
            return toEvent(new ApiResponse(400, Map.of("content-type", "application/json", "x-relay-request-id", requestId),
                    Json.write(ErrorBody.of("The request body is marked base64 but is not valid base64.",
                            ErrorKind.INVALID_REQUEST.type(), null, null))));
        }
        var http = event.getRequestContext() == null ? null : event.getRequestContext().getHttp();
        String method = http == null ? "GET" : http.getMethod();
        String path = event.getRawPath() != null ? event.getRawPath() : http == null ? "/" : http.getPath();
        // The Lambda's own time limit, when it is sooner than API Gateway's (the API applies that one)
        java.time.Instant deadline = context == null ? null
                : java.time.Instant.now().plusMillis(Math.max(0, context.getRemainingTimeInMillis()));
        return toEvent(api.handle(new ApiRequest(requestId, method, path, headers(event), query(event), body, deadline)));
    }

    private static String requestId(APIGatewayV2HTTPEvent event) {
        var context = event.getRequestContext();
        return context != null && context.getRequestId() != null ? context.getRequestId() : UUID.randomUUID().toString();
    }

    private static byte[] body(APIGatewayV2HTTPEvent event) {
        if (event.getBody() == null) return new byte[0];
        return event.getIsBase64Encoded()
                ? Base64.getDecoder().decode(event.getBody())
                : event.getBody().getBytes(StandardCharsets.UTF_8);
    }

    /** The query parameters, from API Gateway's parsed map or, failing that, the raw query string. */
    static Map<String, String> query(APIGatewayV2HTTPEvent event) {
        if (event.getQueryStringParameters() != null) return event.getQueryStringParameters();
        Map<String, String> params = new HashMap<>();
        String raw = event.getRawQueryString();
        if (raw == null || raw.isEmpty()) return params;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.putIfAbsent(name, value);
            } catch (IllegalArgumentException malformed) {
                // a malformed escape: leave that parameter out
            }
        }
        return params;
    }

    private static Map<String, String> headers(APIGatewayV2HTTPEvent event) {
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((name, value) -> {
                if (name != null && value != null) headers.put(name.toLowerCase(Locale.ROOT), value);
            });
        }
        return headers;
    }

    private static APIGatewayV2HTTPResponse toEvent(ApiResponse response) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(response.headers())
                .withBody(response.body())
                .withIsBase64Encoded(false)
                .build();
    }
}
