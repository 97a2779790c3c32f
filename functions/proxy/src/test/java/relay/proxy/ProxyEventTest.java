package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.api.ApiRequest;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;

/** Events from each of their senders, read into the request Relay answers. */
class ProxyEventTest {
    static ProxyEvent read(String json) {
        return ProxyEvent.read(json.getBytes(StandardCharsets.UTF_8), "lambda-request-id", null);
    }

    static ApiRequest request(String json) {
        return assertInstanceOf(ProxyEvent.Readable.class, read(json)).request();
    }

    @Test
    void aRestApiEvent_keepsEveryHeaderValue_andTheFirstOfEachQueryParameter() {
        String event = """
                {"resource": "/{proxy+}", "path": "/spend/logs", "httpMethod": "GET",
                 "headers": {"Accept": "b"}, "multiValueHeaders": {"Accept": ["a", "b"], "Authorization": ["Bearer k"]},
                 "queryStringParameters": {"model": "y"}, "multiValueQueryStringParameters": {"model": ["x", "y"], "limit": ["5"]},
                 "requestContext": {"requestId": "rest-1", "stage": "relay"}, "body": null, "isBase64Encoded": false}
                """;

        ProxyEvent read = read(event);
        ApiRequest request = request(event);

        assertEquals(ProxyEvent.Source.REST_API, read.source());
        assertEquals("rest-1", request.requestId());
        assertEquals("GET", request.method());
        assertEquals("/spend/logs", request.path(), "the path without the stage");
        assertEquals("a,b", request.header("accept"));
        assertEquals("Bearer k", request.header("authorization"));
        assertEquals(Map.of("model", "x", "limit", "5"), request.query());
        assertEquals(0, request.body().length);
    }

    @Test
    void aRestApiEventWithSingleValuesOnly_isReadToo() {
        ApiRequest request = request("""
                {"path": "/v1/models", "httpMethod": "GET", "headers": {"Authorization": "Bearer k"},
                 "queryStringParameters": {"a": "1"}, "requestContext": {}}
                """);

        assertEquals("Bearer k", request.header("authorization"));
        assertEquals(Map.of("a", "1"), request.query());
        assertEquals("lambda-request-id", request.requestId(), "Lambda's request id when the event has none");
    }

    @Test
    void anHttpApiEvent_putsItsCookiesBack_andReadsTheRawQueryString() {
        String event = """
                {"version": "2.0", "rawPath": "/v1/chat/completions", "rawQueryString": "a=1&a=2&b=%20x",
                 "cookies": ["s=1", "t=2"], "headers": {"Content-Type": "application/json"},
                 "requestContext": {"domainName": "r3lay7api1.execute-api.us-east-1.amazonaws.com",
                   "http": {"method": "POST"}, "requestId": "v2-1"},
                 "body": "eyJhIjoxfQ==", "isBase64Encoded": true}
                """;

        ApiRequest request = request(event);

        assertEquals(ProxyEvent.Source.HTTP_API, read(event).source());
        assertEquals("POST", request.method());
        assertEquals("s=1; t=2", request.header("cookie"));
        assertEquals("application/json", request.header("content-type"));
        assertEquals(Map.of("a", "1", "b", " x"), request.query());
        assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8), request.body());
    }

    @Test
    void aFunctionUrlEvent_isKnownByItsDomain() {
        assertEquals(ProxyEvent.Source.FUNCTION_URL, read("""
                {"version": "2.0", "rawPath": "/health", "requestContext": {"domainName": "abc.lambda-url.eu-west-1.on.aws",
                 "http": {"method": "GET"}}}
                """).source());
    }

    @Test
    void aBodyThatIsNotTheBase64ItClaims_isA400InOpenAisShape() throws Exception {
        var unreadable = assertInstanceOf(ProxyEvent.Unreadable.class, read("""
                {"path": "/v1/chat/completions", "httpMethod": "POST", "requestContext": {"requestId": "bad-1"},
                 "body": "not base64!", "isBase64Encoded": true}
                """));

        assertEquals(400, unreadable.answer().status());
        assertEquals("bad-1", unreadable.answer().headers().get("x-relay-request-id"));
        assertEquals("invalid_request_error", Json.MAPPER.readTree(unreadable.answer().body()).at("/error/type").asText());
    }

    @Test
    void anEventThatIsNotAJsonObject_isA400() {
        for (String event : List.of("[]", "\"text\"", "{", "")) {
            var unreadable = assertInstanceOf(ProxyEvent.Unreadable.class, read(event), event);
            assertEquals(400, unreadable.answer().status());
        }
    }

    @Test
    void theDeadline_leavesTheMarginForTheLogWrite_butNeverMoreThanHalfTheTimeLeft() {
        Instant now = Instant.parse("2025-03-12T10:00:00Z");

        assertEquals(now.plusSeconds(895), ProxyEvent.answerBy(now.plusSeconds(900), now));
        assertEquals(now.plusSeconds(3), ProxyEvent.answerBy(now.plusSeconds(6), now));
        assertEquals(now.minusSeconds(1), ProxyEvent.answerBy(now.minusSeconds(1), now), "already past: as it is");
        assertNull(request("{\"path\": \"/health\"}").deadline(), "no Lambda deadline, none of ours");
    }

    @Test
    void theTypedHttpApiEvent_isAnsweredLikeItsJson() {
        var handler = new ProxyHandler(RelayWiring.api(new RelayWiring.Parts(RelayConfig.empty(),
                new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", "sk-relay-test-master-key")), record -> {}, true,
                Duration.ofDays(1), Clock.systemUTC())));
        var event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRawPath("/v1/models").withRawQueryString("")
                .withHeaders(Map.of("authorization", "Bearer sk-relay-test-master-key"))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("typed-1")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath("/v1/models").build())
                        .build())
                .withBody(Base64.getEncoder().encodeToString("ignored".getBytes(StandardCharsets.UTF_8)))
                .withIsBase64Encoded(true)
                .build();

        var response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("typed-1", response.getHeaders().get("x-relay-request-id"));
    }

    @Test
    void reseeding_changesTheRoutersRandomSequence() {
        ReseedableRandom seeded = new ReseedableRandom(42);
        ReseedableRandom same = new ReseedableRandom(42);
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) expected.add(same.nextLong());

        seeded.reseed();
        List<Long> after = new ArrayList<>();
        for (int i = 0; i < 4; i++) after.add(seeded.nextLong());

        assertNotEquals(expected, after, "a restored environment does not repeat the snapshot's sequence");
        assertTrue(new ReseedableRandom().nextDouble() < 1.0);
    }
}
