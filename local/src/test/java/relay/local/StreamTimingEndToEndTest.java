package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;
import relay.testing.FakeOpenAi.Reply;

/**
 * A stream's time over real HTTP: the deployment's timeout bounds only the wait for the first chunk, so a
 * long answer still being written runs to its end; a stream that stops sending is ended after
 * {@code stream_timeout} with an error event, the upstream connection closed, and the log says so.
 */
class StreamTimingEndToEndTest {
    static FakeOpenAi upstream;
    static LocalServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  # timeout 600 bounds only the first chunk: a stall after it must end at stream_timeout (2 s), which
                  # the client's 60 s bound tells apart from the timeout however slow the machine
                  - model_name: stall-limited
                    litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: os.environ/OPENAI_API_KEY, timeout: 600, stream_timeout: 2}
                  - model_name: steady
                    litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: os.environ/OPENAI_API_KEY, timeout: 3, stream_timeout: 30}
                router_settings: {num_retries: 0}
                """.formatted(upstream.baseUrl()), Map.of("OPENAI_API_KEY", "sk-upstream-timing"));
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
    }

    static HttpResponse<String> stream() throws Exception {
        return stream("stall-limited");
    }

    static HttpResponse<String> stream(String model) throws Exception {
        // the whole answer within 60 s (a request timeout would cover only its head, which a stream sends at once)
        return http.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + TestRelay.MASTER_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString()).get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The record is written after the answer: wait for it (bounded, 30 s: only a record never written fails). */
    static RequestLog logEventually(String requestId) {
        return TestRelay.log(server, requestId); // waits, bounded, for the write that follows the answer
    }

    @Test
    void aStreamLongerThanTheDeploymentTimeout_arrivesWhole_whileChunksKeepComing() throws Exception {
        // at least 3.4 s of chunks (a loaded machine only spaces them more); timeout: 3 bounds only the first
        upstream.enqueue(new Reply.Paced(18, Duration.ofMillis(200)));

        HttpResponse<String> response = stream("steady");

        assertEquals(200, response.statusCode());
        for (int i = 0; i < 18; i++) assertTrue(response.body().contains("w" + i + " "), response.body());
        assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
        RequestLog log = logEventually(response.headers().firstValue("x-relay-request-id").orElseThrow());
        assertEquals(200, log.status());
        assertEquals(null, log.errorType());
    }

    @Test
    void aStreamThatStalls_endsWithAnErrorEvent_andTheUpstreamConnectionIsClosed() throws Exception {
        int closedBefore = upstream.streamsClosedByClient();
        // two chunks 10 ms apart (well inside the 2 s stall limit), then silence (SSE comments only) until Relay hangs up
        upstream.enqueue(new Reply.Paced(5, Duration.ofMillis(10), 2));

        HttpResponse<String> response = stream();

        assertEquals(200, response.statusCode(), "the status line went out with the first chunk");
        assertTrue(response.body().contains("w1 "), response.body());
        assertFalse(response.body().contains("[DONE]"), response.body());
        assertTrue(response.body().contains("\"timeout_error\"") && response.body().contains("stream_timeout"), response.body());
        RequestLog log = logEventually(response.headers().firstValue("x-relay-request-id").orElseThrow());
        assertEquals("timeout_error", log.errorType());
        for (int i = 0; i < 600 && upstream.streamsClosedByClient() == closedBefore; i++) Thread.sleep(50);
        assertEquals(closedBefore + 1, upstream.streamsClosedByClient(), "Relay closed the stalled upstream");
    }
}
