package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;

/**
 * Streams through the local server, read off the socket as they arrive: the upstream sends chunk N+1
 * only once this test's client has chunk N ({@link GatedUpstream}), so a stream completes only if it
 * reaches the client chunk by chunk, however slow the machine.
 */
class LocalServerStreamingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> AUTH = Map.of("authorization", "Bearer " + TestRelay.MASTER_KEY,
            "content-type", "application/json");

    static GatedUpstream gated;
    static FakeOpenAi flaky;
    static LocalServer server;

    @BeforeAll
    static void start() throws Exception {
        gated = new GatedUpstream();
        flaky = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: gated
                    litellm_params: {model: openai/gated, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: flaky
                    litellm_params: {model: openai/flaky, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                router_settings:
                  num_retries: 0
                  allowed_fails: 1000
                  fallbacks: [{flaky: [gated]}]
                """.formatted(gated.baseUrl(), flaky.baseUrl()), Map.of("OPENAI_API_KEY", "sk-upstream-streaming"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (gated != null) gated.close();
        if (flaky != null) flaky.close();
    }

    @BeforeEach
    void clean() {
        flaky.reset();
        gated.script(GatedUpstream.Script.GATED, 4);
    }

    /** A stream as the client read it: the head, then every event's data in order. */
    record Streamed(RawHttp.Head head, List<String> events) {
        /** The text of the content events, from chat deltas or legacy completions' text. */
        String text() throws IOException {
            StringBuilder text = new StringBuilder();
            for (JsonNode event : json()) {
                JsonNode choice = event.path("choices").path(0);
                text.append(choice.path("delta").path("content").asText(choice.path("text").asText("")));
            }
            return text.toString();
        }

        List<JsonNode> json() throws IOException {
            List<JsonNode> json = new ArrayList<>();
            for (String event : events) if (!event.equals("[DONE]")) json.add(JSON.readTree(event));
            return json;
        }

        String last() {
            return events.get(events.size() - 1);
        }

        RequestLog log() {
            return TestRelay.log(server, head.header("x-relay-request-id"));
        }
    }

    /** POSTs {@code body} and reads the stream to its end, telling the upstream of each content chunk as it arrives. */
    static Streamed stream(String path, String body) throws IOException {
        try (RawHttp http = RawHttp.connect(server)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", path, AUTH, body)).readHead();
            List<String> events = new ArrayList<>();
            for (String event = http.nextEvent(); event != null; event = http.nextEvent()) {
                events.add(event);
                if (event.contains("part")) gated.clientReceivedAChunk();
            }
            return new Streamed(head, events);
        }
    }

    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
    }

    static void assertChunkedStream(RawHttp.Head head) {
        assertEquals(200, head.status());
        assertTrue(head.header("content-type").startsWith("text/event-stream"), head.toString());
        assertTrue(head.chunked(), "a stream goes out chunked: " + head);
        assertNull(head.header("content-length"), "a stream has no length: " + head);
    }

    @Test
    void aChatStream_reachesTheClientChunkByChunk() throws Exception {
        Streamed stream = stream("/v1/chat/completions", chat("gated", ""));

        assertChunkedStream(stream.head());
        assertFalse(gated.gateGaveUp(), "a chunk waited for the one before it to reach the client, in vain");
        assertEquals("part0 part1 part2 part3 ", stream.text());
        assertEquals("[DONE]", stream.last());
        assertEquals(200, stream.log().status());
    }

    @Test
    void aLegacyCompletionStream_reachesTheClientChunkByChunk() throws Exception {
        Streamed stream = stream("/v1/completions", "{\"model\":\"gated\",\"stream\":true,\"prompt\":\"hi\"}");

        assertChunkedStream(stream.head());
        assertFalse(gated.gateGaveUp(), "a chunk waited for the one before it to reach the client, in vain");
        assertEquals("part0 part1 part2 part3 ", stream.text());
        assertEquals("text_completion", stream.json().get(0).path("object").asText());
        assertEquals("[DONE]", stream.last());
    }

    @Test
    void aDeploymentFailingBeforeTheFirstByte_fallsBack_andTheFallbackStreams() throws Exception {
        flaky.enqueue(new FakeOpenAi.Reply.Status(500, FakeOpenAi.errorBody("boom", "server_error", null), Map.of()));

        Streamed stream = stream("/v1/chat/completions", chat("flaky", ""));

        assertChunkedStream(stream.head());
        assertEquals("openai/gated", stream.head().header("x-relay-model"));
        assertEquals("1", stream.head().header("x-relay-fallbacks"));
        assertEquals(1, flaky.requests().size());
        assertFalse(gated.gateGaveUp());
        assertEquals("part0 part1 part2 part3 ", stream.text());
        assertEquals("[DONE]", stream.last());
    }

    @Test
    void anUpstreamFailingMidStream_endsTheStreamWithAnErrorEvent_andNoDone() throws Exception {
        gated.script(GatedUpstream.Script.BREAKS_AFTER_FIRST, 0);

        Streamed stream = stream("/v1/chat/completions", chat("gated", ""));

        assertChunkedStream(stream.head());
        assertFalse(stream.events().contains("[DONE]"), stream.events().toString());
        assertEquals("part0 ", stream.text());
        JsonNode error = JSON.readTree(stream.last()).path("error");
        assertTrue(error.path("message").isTextual(), stream.last());
        assertEquals("api_error", error.path("type").asText(), stream.last());
        RequestLog log = stream.log();
        assertEquals(200, log.status(), "the status went out with the first chunk");
        assertEquals("api_error", log.errorType(), "the log says the stream broke");
    }

    @Test
    void aClientHangingUpMidStream_endsTheProviderCall_andIsLoggedAs499() throws Exception {
        gated.script(GatedUpstream.Script.ENDLESS, 0);
        String requestId;
        try (RawHttp http = RawHttp.connect(server)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", AUTH, chat("gated", ""))).readHead();
            assertChunkedStream(head);
            requestId = head.header("x-relay-request-id");
            String event;
            do event = http.nextEvent(); while (event != null && !event.contains("part0"));
            assertTrue(event != null, "the stream ended before its first content chunk");
        } // hangs up, the stream still coming

        assertTrue(gated.closedByRelay(), "the provider's stream is still being read after the client left");
        RequestLog log = TestRelay.log(server, requestId);
        assertEquals(499, log.status());
        assertEquals("openai/gated", log.deployment());
    }

    @Test
    void aMalformedStreamRequest_isAPlainJsonError_notAStream() throws Exception {
        int requests = gated.requests();
        try (RawHttp http = RawHttp.connect(server)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", AUTH,
                    "{\"model\":\"gated\",\"stream\":true,\"messages\":[")).readHead();
            String body = http.readBody();

            assertEquals(400, head.status(), body);
            assertTrue(head.header("content-type").startsWith("application/json"), head.toString());
            assertFalse(head.chunked(), head.toString());
            assertEquals(body.getBytes().length, Integer.parseInt(head.header("content-length")));
            assertEquals("invalid_request_error", JSON.readTree(body).path("error").path("type").asText(), body);
        }
        assertEquals(requests, gated.requests(), "never reached the provider");
    }

    @Test
    void aWholeAnswer_goesOutWithItsLength() throws Exception {
        try (RawHttp http = RawHttp.connect(server)) {
            RawHttp.Head head = http.send(RawHttp.request("POST", "/v1/chat/completions", AUTH,
                    "{\"model\":\"gated\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"mock_response\":\"whole\"}")).readHead();
            String body = http.readBody();

            assertEquals(200, head.status(), body);
            assertFalse(head.chunked(), head.toString());
            assertEquals(body.getBytes().length, Integer.parseInt(head.header("content-length")));
            assertEquals("whole", JSON.readTree(body).path("choices").path(0).path("message").path("content").asText());
        }
    }
}
