package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.aws.DynamoDbRequestLogStore;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;

/**
 * What a client can make the local server hold, on real sockets: connections of clients that hung up,
 * requests that stop arriving, answers nobody reads, oversized or malformed requests. Each is let go or
 * refused, refusals in OpenAI's error JSON, and none reaches RelayApi (so none is logged).
 *
 * <p>{@code patient} keeps an idle connection for 10 minutes, so whatever it lets go it lets go because
 * the client went, not because the idle timeout struck; {@code strict} has an idle timeout of 1 s, and
 * the tests give it {@link RawHttp#READ_BOUND} (30 s) to act.
 */
class LocalServerLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final Map<String, String> AUTH = Map.of("authorization", "Bearer " + MASTER_KEY);

    static GatedUpstream upstream;
    static LocalServer patient;
    static LocalServer strict;

    @BeforeAll
    static void start() throws Exception {
        upstream = new GatedUpstream();
        patient = start(Duration.ofMinutes(10));
        strict = start(Duration.ofSeconds(1));
    }

    static LocalServer start(Duration idleTimeout) throws IOException {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: gated
                    litellm_params: {model: openai/gated, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                router_settings:
                  num_retries: 0
                  allowed_fails: 100000   # no cool-down of the one deployment when hung-up clients fail its calls
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """.formatted(upstream.baseUrl()));
        var keys = new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY, "OPENAI_API_KEY", "sk-upstream-limits"));
        return LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1", idleTimeout), config, keys);
    }

    @AfterAll
    static void stop() {
        if (patient != null) patient.close();
        if (strict != null) strict.close();
        if (upstream != null) upstream.close();
    }

    static String mockChat(String text) {
        return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"mock_response\":\"" + text + "\"}";
    }

    /** Polls {@code value} until it is 0; its last value when {@link RawHttp#READ_BOUND} is up. */
    static int eventuallyZero(IntSupplier value) throws InterruptedException {
        long deadline = System.nanoTime() + RawHttp.READ_BOUND.multipliedBy(2).toNanos();
        int now;
        while ((now = value.getAsInt()) != 0 && System.nanoTime() < deadline) Thread.sleep(50);
        return now;
    }

    // ---- clients that go away ----

    @Test
    void clientsThatHangUpBeforeReadingTheirAnswer_leaveNoConnectionOpen() throws Exception {
        int clients = 400;
        upstream.script(GatedUpstream.Script.GATED, 0);
        int before = upstream.requests();
        String request = RawHttp.request("POST", "/v1/chat/completions", AUTH,
                "{\"model\":\"gated\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        for (int i = 0; i < clients; i++) {
            Socket socket = new Socket("127.0.0.1", URI.create(patient.url()).getPort());
            if (i % 2 == 1) socket.setSoLinger(true, 0); // every other one resets rather than closes
            socket.getOutputStream().write(request.getBytes());
            socket.close();
        }
        // every answer is held at the provider until every client has gone
        assertEquals(0, eventuallyZero(() -> before + clients - upstream.requests()), "requests that reached the provider");
        upstream.letGo(clients);

        assertEquals(0, eventuallyZero(patient::openConnections), "connections left open by clients that hung up");
        try (RawHttp http = RawHttp.connect(patient)) {
            assertEquals(200, http.send(RawHttp.request("GET", "/health", Map.of(), null)).readHead().status());
        }
    }

    @Test
    void manyHeldConnections_doNotKeepOthersWaiting() throws Exception {
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) held.add(RawHttp.connect(patient).send("POST /v1/chat/comp"));

            try (RawHttp http = RawHttp.connect(patient)) {
                RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", AUTH, mockChat("still here"))).readHead();
                assertEquals(200, head.status());
                assertTrue(http.readBody().contains("still here"));
            }
        } finally {
            for (RawHttp connection : held) connection.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"request line", "headers", "body"})
    void aHalfSentRequest_isClosedByTheServer_afterTheIdleTimeout(String part) throws Exception {
        String whole = RawHttp.request("POST", "/v1/chat/completions", AUTH, mockChat("never answered"));
        int cut = switch (part) {
            case "request line" -> 10;
            case "headers" -> whole.indexOf("\r\n\r\n") - 5;
            default -> whole.indexOf("\r\n\r\n") + 10;
        };
        try (RawHttp http = RawHttp.connect(strict).send(whole.substring(0, cut))) {
            assertTrue(http.closedByServer(), "a half-sent " + part + " is still held after " + RawHttp.READ_BOUND);
        }
    }

    @Test
    void aBodyThatStopsComing_is408InOpenAisShape_thenClosed() throws Exception {
        String whole = RawHttp.request("POST", "/v1/chat/completions", AUTH, mockChat("never answered"));
        try (RawHttp http = RawHttp.connect(strict).send(whole.substring(0, whole.length() - 5))) {
            RawHttp.Head head = http.readHead();

            assertEquals(408, head.status());
            assertEquals("timeout", error(head, http.readBody()).path("code").asText());
            assertTrue(http.closedByServer());
        }
    }

    @Test
    void aBodyCutShort_is400InOpenAisShape() throws Exception {
        String whole = RawHttp.request("POST", "/v1/chat/completions", AUTH, mockChat("never answered"));
        try (RawHttp http = RawHttp.connect(patient).send(whole.substring(0, whole.length() - 5)).endOutput()) {
            RawHttp.Head head = http.readHead();

            assertEquals(400, head.status());
            assertEquals("invalid_request_error", error(head, http.readBody()).path("type").asText());
        }
    }

    /** Neither a client that hangs up mid-body nor one that goes silent is logged as a request (no phantom 401). */
    @ParameterizedTest(name = "client {0}")
    @ValueSource(strings = {"hangs up", "goes silent"})
    void anAbandonedRequest_neverReachesRelay(String how) throws Exception {
        String abandoned = "/v1/abandoned-" + UUID.randomUUID();
        String whole = RawHttp.request("POST", abandoned, Map.of(), mockChat("x"));
        try (RawHttp http = RawHttp.connect(strict).send(whole.substring(0, whole.indexOf("\r\n\r\n") + 10))) {
            if (how.equals("goes silent")) assertTrue(http.closedByServer());
        }
        // a request after it, logged: once its record is there, the abandoned one would have been too
        String marker = "/v1/marker-" + UUID.randomUUID();
        String markerId;
        try (RawHttp http = RawHttp.connect(strict)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", marker, AUTH, "{}")).readHead();
            assertEquals(404, head.status());
            markerId = head.header("x-relay-request-id");
        }
        assertEquals("POST " + marker, TestRelay.log(strict, markerId).route());

        List<String> routes = strict.dynamoDbClient().scanPaginator(b -> b.tableName(LocalServer.REQUEST_LOG_TABLE)).items().stream()
                .map(item -> DynamoDbRequestLogStore.fromItem(item).route()).toList();
        assertFalse(routes.stream().anyMatch(route -> route.contains(abandoned)), routes.toString());
    }

    @Test
    void aClientThatStopsReadingAStream_isCutOff_andTheProviderCallEnds() throws Exception {
        upstream.script(GatedUpstream.Script.ENDLESS, 0);
        String requestId;
        try (RawHttp http = RawHttp.connect(strict)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", AUTH,
                    "{\"model\":\"gated\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).readHead();
            assertEquals(200, head.status());
            requestId = head.header("x-relay-request-id");
            assertNotNull(http.nextEvent());
            // reads nothing more, and keeps the connection open

            assertTrue(upstream.closedByRelay(), "the provider's stream is still being read");
        }
        assertEquals(499, TestRelay.log(strict, requestId).status());
    }

    // ---- requests refused in OpenAI's shape ----

    static JsonNode error(RawHttp.Head head, String body) throws IOException {
        assertTrue(head.header("content-type").startsWith("application/json"), head + " " + body);
        JsonNode error = JSON.readTree(body).path("error");
        assertTrue(error.path("message").isTextual(), body);
        assertTrue(error.has("type") && error.has("param") && error.has("code"), body);
        return error;
    }

    @Test
    void tooManyHeaders_is431InOpenAisShape() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(AUTH);
        for (int i = 0; i < 200; i++) headers.put("x-header-" + i, "v");
        try (RawHttp http = RawHttp.connect(patient)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", headers, mockChat("no"))).readHead();

            assertEquals(431, head.status());
            JsonNode error = error(head, http.readBody());
            assertEquals("request_header_fields_too_large", error.path("code").asText());
            assertEquals("invalid_request_error", error.path("type").asText());
        }
    }

    @Test
    void headersOverTheSizeLimit_are431InOpenAisShape() throws Exception {
        try (RawHttp http = RawHttp.connect(patient)) {
            RawHttp.Head head = http.send(RawHttp.request("GET", "/health", Map.of("x-big", "b".repeat(LocalServer.MAX_HEADER_BYTES)), null))
                    .readHead();

            assertEquals(431, head.status());
            assertEquals("request_header_fields_too_large", error(head, http.readBody()).path("code").asText());
        }
    }

    @Test
    void aMalformedQueryEscape_is400InOpenAisShape() throws Exception {
        try (RawHttp http = RawHttp.connect(patient)) {
            RawHttp.Head head = http.send(RawHttp.request("GET", "/spend/logs?limit=%ZZ", AUTH, null)).readHead();

            assertEquals(400, head.status());
            assertEquals("invalid_request_error", error(head, http.readBody()).path("type").asText());
        }
    }

    @Test
    void aBadRequestLine_is400InOpenAisShape() throws Exception {
        try (RawHttp http = RawHttp.connect(patient)) {
            RawHttp.Head head = http.send("THIS IS NOT HTTP\r\n\r\n").readHead();

            assertEquals(400, head.status());
            assertEquals("invalid_request_error", error(head, http.readBody()).path("type").asText());
        }
    }
}
