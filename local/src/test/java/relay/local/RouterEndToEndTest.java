package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;
import relay.testing.FakeOpenAi.Reply;

/**
 * The router over real HTTP: client -> local server -> one loopback OpenAI server per deployment,
 * each failing on purpose. For every case: who answered (x-relay-model), how many calls each
 * upstream got, what the client saw (status, error, x-relay-fallbacks) and what the log keeps.
 */
class RouterEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final ObjectMapper JSON = new ObjectMapper();

    static FakeOpenAi primary;        // gpt-4, and hasty (timeout 0.5 s)
    static FakeOpenAi fallback;       // llama2, gpt-4's fallback
    static FakeOpenAi bigContext;     // gpt-4-32k, gpt-4's context_window_fallback
    static FakeOpenAi safe;           // safe, gpt-4's content_policy_fallback
    static FakeOpenAi solo;           // solo, no configured fallback
    static FakeOpenAi claude;         // claude, only as a per-request fallback
    static List<FakeOpenAi> all;
    static LocalServer server;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    /** An upstream that does not answer while the test runs: its answer would come after the test has ended. */
    static final Reply HUNG = new Reply.Slow(Duration.ofMinutes(2));

    @BeforeAll
    static void start() throws Exception {
        primary = FakeOpenAi.start();
        fallback = FakeOpenAi.start();
        bigContext = FakeOpenAi.start();
        safe = FakeOpenAi.start();
        solo = FakeOpenAi.start();
        claude = FakeOpenAi.start();
        all = List.of(primary, fallback, bigContext, safe, solo, claude);
        server = TestRelay.start("""
                model_list:
                  - model_name: gpt-4
                    litellm_params: {model: openai/gpt-4, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: hasty
                    litellm_params: {model: openai/gpt-4-hasty, api_base: "%s", api_key: os.environ/OPENAI_API_KEY, timeout: 0.5}
                  - model_name: llama2
                    litellm_params: {model: openai/llama2, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: gpt-4-32k
                    litellm_params: {model: openai/gpt-4-32k, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: safe
                    litellm_params: {model: openai/safe-model, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: solo
                    litellm_params: {model: openai/solo-model, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                  - model_name: claude
                    litellm_params: {model: openai/claude-stand-in, api_base: "%s", api_key: os.environ/OPENAI_API_KEY}
                router_settings:
                  num_retries: 0          # requests that test retries ask for them with num_retries
                  allowed_fails: 1000     # cool-downs are tested in shared/core; here they would couple tests
                  fallbacks: [{gpt-4: [llama2]}, {hasty: [llama2]}]
                  context_window_fallbacks: [{gpt-4: [gpt-4-32k]}]
                  content_policy_fallbacks: [{gpt-4: [safe]}]
                """.formatted(primary.baseUrl(), primary.baseUrl(), fallback.baseUrl(), bigContext.baseUrl(), safe.baseUrl(), solo.baseUrl(),
                claude.baseUrl()), Map.of("OPENAI_API_KEY", "sk-upstream-router-0123456789"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (all != null) all.forEach(FakeOpenAi::close);
    }

    @BeforeEach
    void clean() {
        all.forEach(FakeOpenAi::reset);
    }

    // ---- helpers ----

    record Answer(HttpResponse<String> response, long millis) {
        int status() {
            return response.statusCode();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + response.body(), e);
            }
        }

        JsonNode error() {
            return json().path("error");
        }

        String content() {
            return json().path("choices").path(0).path("message").path("content").asText();
        }

        /** The {@code data:} payloads of an event stream. */
        List<String> events() {
            assertTrue(header("content-type").startsWith("text/event-stream"), header("content-type"));
            List<String> data = new ArrayList<>();
            for (String event : response.body().split("\n\n")) {
                if (event.isBlank()) continue;
                assertTrue(event.startsWith("data: "), event);
                data.add(event.substring(6));
            }
            return data;
        }

        String streamedText() {
            StringBuilder text = new StringBuilder();
            for (String event : events()) {
                if (event.equals("[DONE]")) continue;
                try {
                    for (JsonNode choice : JSON.readTree(event).path("choices")) text.append(choice.path("delta").path("content").asText(""));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return text.toString();
        }
    }

    static String request(String model, String extraFields) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
                + (extraFields.isEmpty() ? "" : "," + extraFields) + "}";
    }

    static Answer post(String body) throws Exception {
        return post(body, MASTER_KEY);
    }

    static Answer post(String body, String key) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                        .header("authorization", "Bearer " + key)
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(60)) // only a hang reaches it
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(response, (System.nanoTime() - start) / 1_000_000);
    }

    static RequestLog logOf(Answer answer) {
        return TestRelay.log(server, answer.header("x-relay-request-id"));
    }

    /** The attempts as "deployment status error", e.g. "openai/gpt-4 502 provider_error", "openai/llama2 200 -". */
    static List<String> attempts(RequestLog log) {
        return log.attempts().stream().map(RouterEndToEndTest::describe).toList();
    }

    static String describe(Attempt a) {
        return a.deployment() + " " + a.status() + " " + (a.errorType() == null ? "-" : a.errorType());
    }

    static Reply.Status status(int status, String message, String type, String code, Map<String, String> headers) {
        return new Reply.Status(status, FakeOpenAi.errorBody(message, type, code), headers);
    }

    static Reply.Status status(int status, String message, String type, String code) {
        return status(status, message, type, code, Map.of());
    }

    static void assertCalls(int primaryCalls, int fallbackCalls) {
        assertEquals(primaryCalls, primary.requests().size(), "calls to gpt-4's upstream");
        assertEquals(fallbackCalls, fallback.requests().size(), "calls to llama2's upstream");
    }

    static void assertNoCallsTo(FakeOpenAi... upstreams) {
        for (FakeOpenAi upstream : upstreams) assertTrue(upstream.requests().isEmpty(), "unexpected calls: " + upstream.requests());
    }

    // ---- one failure of the primary, then its fallback answers ----

    static Stream<Arguments> primaryFailures() {
        return Stream.of(
                Arguments.of("500", status(500, "The server had an error.", "server_error", null), "502 provider_error"),
                Arguments.of("503", status(503, "The engine is overloaded.", "server_error", null), "503 provider_unavailable"),
                Arguments.of("429 without retries", status(429, "Rate limit reached.", "requests", "rate_limit_exceeded",
                        Map.of("retry-after", "1")), "429 rate_limit_exceeded"),
                Arguments.of("connection reset", new Reply.Reset(), "503 provider_unavailable"),
                Arguments.of("malformed JSON", new Reply.Malformed(), "502 provider_error"),
                Arguments.of("401 from the provider", status(401, "Incorrect API key provided: sk-up***89.",
                        "invalid_request_error", "invalid_api_key"), "401 invalid_api_key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("primaryFailures")
    void primaryFails_theFallbackAnswers(String name, Reply failure, String loggedAs) throws Exception {
        primary.enqueue(failure);

        Answer answer = post(request("gpt-4", ""));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("Echo: hello", answer.content());
        assertEquals("openai/llama2", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertCalls(1, 1);
        RequestLog log = logOf(answer);
        assertEquals(200, log.status());
        assertEquals("openai/llama2", log.deployment());
        assertNull(log.errorType());
        assertEquals(List.of("openai/gpt-4 " + loggedAs, "openai/llama2 200 -"), attempts(log));
    }

    @Test
    void primaryHangsPastItsTimeout_isAbandoned_andTheFallbackAnswers() throws Exception {
        primary.enqueue(HUNG); // hasty's upstream; its own timeout (0.5 s) must end the call

        Answer answer = post(request("hasty", ""));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("Echo: hello", answer.content());
        assertEquals("openai/llama2", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertCalls(1, 1);
        assertEquals(List.of("openai/gpt-4-hasty 408 timeout", "openai/llama2 200 -"), attempts(logOf(answer)));
    }

    @Test
    void rateLimitWithRetryAfter_isRetriedOnTheSameDeploymentAfterTheWait() throws Exception {
        primary.enqueue(status(429, "Rate limit reached.", "requests", "rate_limit_exceeded", Map.of("retry-after", "1")));

        Answer answer = post(request("gpt-4", "\"num_retries\": 1"));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("openai/gpt-4", answer.header("x-relay-model"));
        assertEquals("0", answer.header("x-relay-fallbacks"));
        assertCalls(2, 0);
        assertTrue(answer.millis() >= 1000, "waited the retry-after second: " + answer.millis() + " ms");
        assertEquals(List.of("openai/gpt-4 429 rate_limit_exceeded", "openai/gpt-4 200 -"), attempts(logOf(answer)));
    }

    @Test
    void numRetries_perRequest_isHonoured() throws Exception {
        primary.enqueue(status(500, "boom", "server_error", null), status(503, "busy", "server_error", null));

        Answer retried = post(request("gpt-4", "\"num_retries\": 2"));

        assertEquals(200, retried.status(), retried.response().body());
        assertEquals("openai/gpt-4", retried.header("x-relay-model"));
        assertEquals("0", retried.header("x-relay-fallbacks"));
        assertCalls(3, 0);
        assertEquals(List.of("openai/gpt-4 502 provider_error", "openai/gpt-4 503 provider_unavailable", "openai/gpt-4 200 -"),
                attempts(logOf(retried)));

        clean();
        primary.enqueue(status(500, "boom", "server_error", null), status(500, "boom", "server_error", null));

        Answer fellBack = post(request("gpt-4", "\"num_retries\": 1"));

        assertEquals("openai/llama2", fellBack.header("x-relay-model"));
        assertCalls(2, 1);
        assertEquals(3, logOf(fellBack).attempts().size());
    }

    @Test
    void requestTimeout_boundsTheWholeRequest_retriesAndFallbacksIncluded() throws Exception {
        // solo has no timeout of its own and no fallback: only the request's 1 s stops a call that does not answer,
        // and its retries do not outlive it (else the client's own timeout would end the test)
        solo.enqueue(HUNG);

        Answer timedOut = post(request("solo", "\"timeout\": 1, \"num_retries\": 3"));

        assertEquals(408, timedOut.status(), timedOut.response().body());
        assertEquals(408, logOf(timedOut).status());
        assertEquals(1, solo.requests().size(), "no retry after the request's time ran out");

        Answer inTime = post(request("solo", "\"timeout\": 20"));
        assertEquals(200, inTime.status(), inTime.response().body());
    }

    @Test
    void badRequestTimeout_isA400NamingIt() throws Exception {
        for (String bad : List.of("\"timeout\": \"soon\"", "\"timeout\": 0", "\"timeout\": -1", "\"request_timeout\": 100000",
                "\"stream\": true, \"timeout\": 0")) {
            Answer answer = post(request("solo", bad));
            assertEquals(400, answer.status(), bad + " -> " + answer.response().body());
            assertTrue(answer.error().path("param").asText().endsWith("timeout"), answer.response().body());
        }
        assertNoCallsTo(all.toArray(FakeOpenAi[]::new));
    }

    // ---- failures with their own paths ----

    @Test
    void contextWindowError_goesToTheContextWindowFallback() throws Exception {
        primary.enqueue(status(400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
                "invalid_request_error", "context_length_exceeded"));

        Answer answer = post(request("gpt-4", "\"num_retries\": 2"));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("openai/gpt-4-32k", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertCalls(1, 0);
        assertEquals(1, bigContext.requests().size());
        assertEquals(List.of("openai/gpt-4 400 context_length_exceeded", "openai/gpt-4-32k 200 -"), attempts(logOf(answer)));
    }

    @Test
    void contentPolicyError_goesToTheContentPolicyFallback() throws Exception {
        primary.enqueue(status(400, "Your request was rejected as a result of our safety system.",
                "invalid_request_error", "content_policy_violation"));

        Answer answer = post(request("gpt-4", ""));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("openai/safe-model", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertCalls(1, 0);
        assertEquals(1, safe.requests().size());
        assertNoCallsTo(bigContext);
        assertEquals(List.of("openai/gpt-4 400 content_policy_violation", "openai/safe-model 200 -"), attempts(logOf(answer)));
    }

    @Test
    void providerRejectsTheRequestAsMalformed_theChainStops() throws Exception {
        primary.enqueue(status(400, "Invalid value for 'logit_bias'.", "invalid_request_error", null));

        Answer answer = post(request("gpt-4", "\"num_retries\": 2"));

        assertEquals(400, answer.status(), answer.response().body());
        assertEquals("invalid_request_error", answer.error().path("type").asText());
        assertTrue(answer.error().path("message").asText().contains("logit_bias"), answer.response().body());
        assertCalls(1, 0);
        assertNull(answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        RequestLog log = logOf(answer);
        assertEquals(400, log.status());
        assertEquals(List.of("openai/gpt-4 400 invalid_request_error"), attempts(log));
    }

    @Test
    void malformedClientRequest_isNotRetriedNorFallenBack_andReachesNoUpstream() throws Exception {
        Answer badTemperature = post(request("gpt-4", "\"temperature\": 9, \"num_retries\": 3"));
        Answer badKey = post(request("gpt-4", ""), "sk-not-the-master-key");

        assertEquals(400, badTemperature.status(), badTemperature.response().body());
        assertEquals("temperature", badTemperature.error().path("param").asText());
        assertEquals(401, badKey.status(), badKey.response().body());
        assertNoCallsTo(all.toArray(FakeOpenAi[]::new));
        assertNull(badTemperature.header("x-relay-fallbacks"));
        RequestLog log = logOf(badTemperature);
        assertEquals(400, log.status());
        assertTrue(log.attempts().isEmpty(), log.attempts().toString());
    }

    @Test
    void allFailing_isOneErrorWithTheMostTellingStatus_listingEveryAttempt() throws Exception {
        primary.enqueue(status(500, "The server had an error.", "server_error", null));
        fallback.enqueue(status(503, "The engine is overloaded.", "server_error", null));

        Answer answer = post(request("gpt-4", ""));

        assertEquals(503, answer.status(), answer.response().body());
        String message = answer.error().path("message").asText();
        assertTrue(message.startsWith("All 2 attempts failed: "), message);
        assertTrue(message.contains("openai/gpt-4 (502 provider_error") && message.contains("The server had an error."), message);
        assertTrue(message.contains("openai/llama2 (503 provider_unavailable") && message.contains("The engine is overloaded."), message);
        assertEquals("provider_unavailable", answer.error().path("code").asText());
        assertNull(answer.header("x-relay-model"));
        assertEquals("2", answer.header("x-relay-fallbacks"));
        assertCalls(1, 1);
        RequestLog log = logOf(answer);
        assertEquals(503, log.status());
        assertNull(log.deployment());
        assertEquals(List.of("openai/gpt-4 502 provider_error", "openai/llama2 503 provider_unavailable"), attempts(log));
    }

    @Test
    void requestFallbacks_areTried_andDisableFallbacksTurnsAllOff() throws Exception {
        solo.enqueue(status(500, "boom", "server_error", null));

        Answer answer = post(request("solo", "\"fallbacks\": [\"claude\"]"));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("openai/claude-stand-in", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertEquals(1, solo.requests().size());
        assertEquals(1, claude.requests().size());
        assertFalse(claude.lastRequest().json().has("fallbacks"), "Relay's own fields stay with Relay");

        clean();
        primary.enqueue(status(500, "boom", "server_error", null));

        Answer disabled = post(request("gpt-4", "\"disable_fallbacks\": true, \"fallbacks\": [\"claude\"]"));

        assertEquals(502, disabled.status(), disabled.response().body());
        assertCalls(1, 0);
        assertNoCallsTo(claude);
        assertEquals(List.of("openai/gpt-4 502 provider_error"), attempts(logOf(disabled)));
    }

    // ---- streams: a fallback only before the first byte ----

    @Test
    void streamBrokenBeforeItsFirstChunk_fallsBack() throws Exception {
        primary.enqueue(new Reply.BrokenStream(0));

        Answer answer = post(request("gpt-4", "\"stream\": true"));

        assertEquals(200, answer.status(), answer.response().body());
        assertEquals("Echo: hello", answer.streamedText());
        List<String> events = answer.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals("openai/llama2", answer.header("x-relay-model"));
        assertEquals("1", answer.header("x-relay-fallbacks"));
        assertCalls(1, 1);
        RequestLog log = logOf(answer);
        assertTrue(log.stream());
        assertEquals(200, log.status());
        assertNull(log.errorType());
        assertEquals("openai/llama2", log.deployment());
        assertEquals(List.of("openai/gpt-4 502 provider_error", "openai/llama2 200 -"), attempts(log));
    }

    @Test
    void streamTruncatedAfterItsFirstChunk_endsWithAnErrorEvent_andNoFallback() throws Exception {
        primary.enqueue(new Reply.TruncatedStream());

        Answer answer = post(request("gpt-4", "\"stream\": true, \"num_retries\": 2"));

        assertEquals(200, answer.status(), "the status went out with the first chunk");
        List<String> events = answer.events();
        assertFalse(events.contains("[DONE]"), events.toString());
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertEquals("api_error", last.path("error").path("type").asText(), last.toString());
        assertTrue(last.path("error").path("message").asText().contains("before [DONE]"), last.toString());
        assertTrue(answer.streamedText().startsWith("Echo:"), answer.streamedText());
        assertEquals("text/event-stream", answer.header("content-type"), "the headers went out before the break");
        assertEquals("openai/gpt-4", answer.header("x-relay-model"));
        assertEquals("0", answer.header("x-relay-fallbacks"));
        assertCalls(1, 0);
        RequestLog log = logOf(answer);
        assertEquals(200, log.status());
        assertEquals("api_error", log.errorType(), "the log says the stream broke");
        assertEquals("openai/gpt-4", log.deployment());
        assertEquals(List.of("openai/gpt-4 502 provider_error"), attempts(log));
    }

    @Test
    void streamFailingEverywhereBeforeTheFirstByte_isAnErrorResponseNamingNoDeployment() throws Exception {
        primary.enqueue(status(500, "boom", "server_error", null));
        fallback.enqueue(new Reply.BrokenStream(0));

        Answer answer = post(request("gpt-4", "\"stream\": true"));

        assertEquals(502, answer.status(), answer.response().body());
        assertTrue(answer.header("content-type").startsWith("application/json"));
        assertTrue(answer.error().path("message").asText().startsWith("All 2 attempts failed"), answer.response().body());
        assertNull(answer.header("x-relay-model"), "no deployment answered");
        assertEquals("2", answer.header("x-relay-fallbacks"));
        assertCalls(1, 1);
        RequestLog log = logOf(answer);
        assertNull(log.deployment());
        assertEquals(2, log.attempts().size());
    }
}
