package relay.proxy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import org.crac.Core;
import org.crac.Resource;
import relay.core.api.ApiResponse;
import relay.core.api.RelayApi;

/**
 * The Lambda handler for AWS's own runtime client (the managed {@code java21} runtime without Relay's
 * runtime wrapper, {@code sam local invoke}): reads REST API (payload 1.0) and HTTP API or Function
 * URL (payload 2.0) events and answers with one buffered proxy-integration JSON document. AWS's client
 * cannot stream and runs the request log write before the answer leaves; Relay's own runtime loop
 * ({@link relay.proxy.runtime.RelayRuntime}) does neither.
 *
 * <p>All wiring happens in the constructor, during the init phase, so SnapStart captures it.
 */
public final class ProxyHandler implements RequestStreamHandler, Resource {
    private static final ObjectMapper LAMBDA_JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final RelayApi api;

    /** Used by Lambda. With SnapStart, the handler primes itself just before the snapshot is taken. */
    public ProxyHandler() {
        this(RelayWiring.fromLambdaEnvironment(System.getenv()));
        Core.getGlobalContext().register(this);
    }

    public ProxyHandler(RelayApi api) {
        this.api = api;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        api.prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // nothing to reconnect: clients open connections on first use, and keys are read after restore
    }

    @Override
    public void handleRequest(InputStream event, OutputStream answer, Context context) throws IOException {
        answer.write(ProxyEvent.bufferedAnswer(handle(event.readAllBytes(), context)));
    }

    /** The typed form of the same: for callers that hold a payload 2.0 event object rather than its JSON. */
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        byte[] json;
        try {
            json = LAMBDA_JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ApiResponse response = handle(json, context);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(new HashMap<>(response.headers()))
                .withBody(response.body())
                .withIsBase64Encoded(false)
                .build();
    }

    private ApiResponse handle(byte[] json, Context context) {
        Instant deadline = context == null ? null
                : Instant.now().plusMillis(Math.max(0, context.getRemainingTimeInMillis()));
        ProxyEvent event = ProxyEvent.read(json, context == null ? null : context.getAwsRequestId(), deadline);
        return switch (event) {
            case ProxyEvent.Readable readable -> api.handle(readable.request());
            case ProxyEvent.Unreadable unreadable -> unreadable.answer();
        };
    }
}
