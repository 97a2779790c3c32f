package relay.proxy.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.api.AfterAnswer;
import relay.core.api.RelayApi;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLogStore;
import relay.proxy.RelayWiring;
import relay.testing.FakeLambdaRuntimeApi;
import relay.testing.GatedOpenAiStream;

/**
 * Relay's runtime loop against a real HTTP server playing the Lambda Runtime API: the bytes on the
 * wire, streaming chunk by chunk, the order of answer, bookkeeping and next invocation, and every
 * way a failure is reported. Orders are asserted, never durations.
 */
class RelayRuntimeTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String MASTER_KEY = "sk-relay-test-master-key";
    static final byte[] DELIMITER = new byte[8];

    FakeLambdaRuntimeApi lambda;
    Thread loop;

    @BeforeEach
    void startLambda() {
        lambda = FakeLambdaRuntimeApi.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        lambda.close();
        if (loop != null) loop.join(WAIT.toMillis());
    }

    static byte[] event(String name) throws IOException {
        return Files.readAllBytes(Path.of("../../events", name));
    }

    static RelayApi api(String config, RequestLogStore logs) {
        return RelayWiring.api(new RelayWiring.Parts(RelayConfig.parse(config),
                new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY, "OPENAI_API_KEY", "sk-provider-123456")),
                logs, true, Duration.ofDays(1), Clock.systemUTC()));
    }

    static RelayApi mockApi(RequestLogStore logs) {
        return api("""
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """, logs);
    }

    void serve(RelayRuntime.Handler handler) {
        RuntimeApi runtime = RuntimeApi.at(lambda.address());
        loop = Thread.ofPlatform().name("relay-runtime-under-test").daemon().start(() -> {
            try {
                new RelayRuntime(runtime, handler, true).run();
            } catch (IOException expectedWhenTheFakeCloses) {
                // the loop ends when the Runtime API goes away
            }
        });
    }

    /** The prelude JSON before the eight NUL bytes, checking that they are there. */
    static JsonNode prelude(byte[] body) throws IOException {
        int end = indexOf(body, DELIMITER);
        assertTrue(end > 0, "no eight-NUL delimiter in " + new String(body, StandardCharsets.UTF_8));
        return Json.MAPPER.readTree(Arrays.copyOf(body, end));
    }

    static String afterPrelude(byte[] body) {
        int end = indexOf(body, DELIMITER);
        return new String(body, end + DELIMITER.length, body.length - end - DELIMITER.length, StandardCharsets.UTF_8);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void aWholeJsonAnswer_isPostedAsAStream_preludeThenEightNulsThenTheBody() throws IOException {
        serve(mockApi(record -> {})::handle);
        lambda.enqueue("lambda-req-1", event("chat-completions.json"));

        var response = lambda.awaitResponse("lambda-req-1", WAIT);

        assertEquals("streaming", response.header("lambda-runtime-function-response-mode"));
        assertEquals("chunked", response.header("transfer-encoding"));
        assertEquals("application/vnd.awslambda.http-integration-response", response.header("content-type"));
        assertEquals("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body", response.header("trailer"));
        assertTrue(response.trailers().isEmpty(), "no error trailers: " + response.trailers());
        // the first chunk is exactly the prelude and its delimiter, nothing else
        byte[] first = response.chunks().get(0);
        JsonNode prelude = Json.MAPPER.readTree(Arrays.copyOf(first, first.length - 8));
        assertArrayEquals(DELIMITER, Arrays.copyOfRange(first, first.length - 8, first.length));
        assertEquals(Json.write(prelude), new String(first, 0, first.length - 8, StandardCharsets.UTF_8), "compact JSON");
        assertEquals(List.of("statusCode", "headers", "cookies"), fieldNames(prelude));
        assertEquals(200, prelude.get("statusCode").asInt());
        assertEquals("application/json", prelude.at("/headers/content-type").asText());
        assertEquals("b190c0e1-36ba-5d5b-8595-0e4e9af9b789", prelude.at("/headers/x-relay-request-id").asText(), "the API's request id");
        assertEquals(0, prelude.get("cookies").size());
        // then the body, the whole JSON answer
        JsonNode body = Json.MAPPER.readTree(afterPrelude(response.body()));
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("Mock answer to: Say hello in five words.", body.at("/choices/0/message/content").asText());
    }

    /** As AWS's own runtimes do: next, a whole answer, a streamed answer and next again share one kept-alive connection. */
    @Test
    void answersWholeAndStreamed_goOverTheOneKeptAliveConnection() throws IOException {
        serve(mockApi(record -> {})::handle);
        lambda.enqueue("lambda-whole", event("chat-completions.json"));
        lambda.enqueue("lambda-streamed", event("chat-completions-stream.json"));
        lambda.enqueue("lambda-health", event("health.json"));

        assertTrue(afterPrelude(lambda.awaitResponse("lambda-whole", WAIT).body()).contains("\"chat.completion\""));
        assertTrue(afterPrelude(lambda.awaitResponse("lambda-streamed", WAIT).body()).endsWith("data: [DONE]\n\n"));
        lambda.awaitResponse("lambda-health", WAIT);

        assertEquals(1, lambda.connectionsAccepted(), "one connection for every call: " + lambda.timeline());
    }

    /** An event of a megabyte, far past the connection's read buffer, arrives whole. */
    @Test
    void aLargeEvent_isReadWhole() throws IOException {
        serve(mockApi(record -> {})::handle);
        com.fasterxml.jackson.databind.node.ObjectNode event = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(event("chat-completions.json"));
        String content = "x".repeat(1_000_000) + " the end";
        event.put("body", "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}");
        lambda.enqueue("lambda-large", Json.writeBytes(event));

        JsonNode answer = Json.MAPPER.readTree(afterPrelude(lambda.awaitResponse("lambda-large", WAIT).body()));

        assertTrue(answer.at("/choices/0/message/content").asText().endsWith(" the end"), "the whole message was read");
        assertEquals(content.length() + "Mock answer to: ".length(), answer.at("/choices/0/message/content").asText().length());
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aStreamedChat_reachesLambdaChunkByChunk_asTheProviderSendsIt() throws IOException {
        List<String> pieces = List.of("alpha ", "bravo ", "charlie ", "echo");
        try (GatedOpenAiStream provider = GatedOpenAiStream.start(pieces,
                piece -> lambda.awaitReceived("lambda-stream", "\"" + piece + "\"", WAIT))) {
            serve(api("""
                    model_list:
                      - model_name: gpt-4o
                        litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, api_base: "%s"}
                    general_settings:
                      master_key: os.environ/RELAY_MASTER_KEY
                    """.formatted(provider.baseUrl()), record -> {})::handle);
            String request = new String(event("chat-completions-stream.json"), StandardCharsets.UTF_8)
                    .replace("mock/mock-gpt", "gpt-4o");
            lambda.enqueue("lambda-stream", request.getBytes(StandardCharsets.UTF_8));

            var response = lambda.awaitResponse("lambda-stream", WAIT);

            assertEquals("text/event-stream", prelude(response.body()).at("/headers/content-type").asText());
            String sse = afterPrelude(response.body());
            assertTrue(sse.endsWith("data: [DONE]\n\n"), sse);
            // each piece came in a chunk of its own, in order: piece N+1 was only sent once piece N had arrived
            List<Integer> chunkOfPiece = new ArrayList<>();
            for (String piece : pieces) {
                for (int i = 0; i < response.chunks().size(); i++) {
                    if (new String(response.chunks().get(i), StandardCharsets.UTF_8).contains("\"" + piece + "\"")) {
                        chunkOfPiece.add(i);
                        break;
                    }
                }
            }
            assertEquals(pieces.size(), chunkOfPiece.size(), sse);
            for (int i = 1; i < chunkOfPiece.size(); i++) assertTrue(chunkOfPiece.get(i) > chunkOfPiece.get(i - 1), chunkOfPiece.toString());
        }
    }

    @Test
    void theRequestLog_isWrittenAfterLambdaHasTheWholeAnswer_andBeforeTheNextInvocation() throws Exception {
        CountDownLatch slowDynamoDb = new CountDownLatch(1);
        serve(mockApi(record -> {
            lambda.note("log-write " + record.requestId());
            try {
                if (!slowDynamoDb.await(WAIT.toSeconds(), TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lambda.note("log-written " + record.requestId());
        })::handle);
        lambda.enqueue("lambda-first", event("chat-completions.json"));
        lambda.enqueue("lambda-second", event("completions.json"));

        // the whole answer reaches Lambda while the log store is still blocked
        lambda.awaitResponse("lambda-first", WAIT);
        List<String> whileBlocked = lambda.awaitEvent("log-write b190c0e1-36ba-5d5b-8595-0e4e9af9b789", WAIT);
        assertEquals(1, whileBlocked.stream().filter("next"::equals).count(), "no next invocation while the log write runs: " + whileBlocked);
        slowDynamoDb.countDown();
        lambda.awaitResponse("lambda-second", WAIT);

        List<String> timeline = lambda.timeline();
        int answered = timeline.indexOf("response-end lambda-first");
        int logStarted = timeline.indexOf("log-write b190c0e1-36ba-5d5b-8595-0e4e9af9b789");
        int logDone = timeline.indexOf("log-written b190c0e1-36ba-5d5b-8595-0e4e9af9b789");
        int secondNext = timeline.lastIndexOf("next") == timeline.indexOf("next") ? -1 : nthIndex(timeline, "next", 2);
        assertTrue(answered < logStarted && logStarted < logDone && logDone < secondNext
                && secondNext < timeline.indexOf("response-start lambda-second"), timeline.toString());
    }

    static int nthIndex(List<String> list, String value, int n) {
        int seen = 0;
        for (int i = 0; i < list.size(); i++) if (list.get(i).equals(value) && ++seen == n) return i;
        return -1;
    }

    @Test
    void aFailureAfterTheFirstByte_endsTheStreamWithErrorTrailers_andTheLoopGoesOn() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        serve((request, sink) -> {
            if (calls.incrementAndGet() > 1) {
                sink.send(new relay.core.api.ApiResponse(200, Map.of("content-type", "application/json"), "{\"ok\":true}"));
                return AfterAnswer.NOTHING;
            }
            sink.head(200, Map.of("content-type", "text/event-stream"));
            sink.body("data: {\"n\":1}\n\n");
            throw new IllegalStateException("the provider's stream broke");
        });
        lambda.enqueue("lambda-broken", event("chat-completions-stream.json"));
        lambda.enqueue("lambda-after", event("health.json"));

        var broken = lambda.awaitResponse("lambda-broken", WAIT);
        var after = lambda.awaitResponse("lambda-after", WAIT);

        assertEquals("data: {\"n\":1}\n\n", afterPrelude(broken.body()), "what was sent stays sent");
        assertEquals("Runtime.UserException", broken.trailers().get("lambda-runtime-function-error-type"));
        JsonNode error = Json.MAPPER.readTree(Base64.getDecoder().decode(broken.trailers().get("lambda-runtime-function-error-body")));
        assertEquals("java.lang.IllegalStateException", error.get("errorType").asText());
        assertEquals("the provider's stream broke", error.get("errorMessage").asText());
        assertTrue(error.get("stackTrace").size() > 0 && error.get("stackTrace").size() <= LambdaError.MAX_FRAMES);
        assertTrue(lambda.errors().isEmpty(), "no invocation error once bytes are out: " + lambda.errors());
        assertEquals("{\"ok\":true}", afterPrelude(after.body()));
    }

    @Test
    void aClientGoneMidStream_isLoggedAs499_andTheLoopGoesOn() throws IOException {
        List<relay.core.log.RequestLog> logs = new java.util.concurrent.CopyOnWriteArrayList<>();
        serve(mockApi(logs::add)::handle);
        lambda.cutResponse("lambda-cut", 2);
        lambda.enqueue("lambda-cut", event("chat-completions-stream.json"));
        lambda.enqueue("lambda-next", event("health.json"));

        lambda.awaitResponse("lambda-next", WAIT);

        assertTrue(lambda.timeline().contains("response-cut lambda-cut"));
        assertEquals(1, logs.size(), "the cut request still left its record");
        assertEquals(499, logs.get(0).status());
        assertTrue(lambda.errors().isEmpty(), "a broken stream is not an invocation error: " + lambda.errors());
    }

    @Test
    void aFailureBeforeAnyByte_isAnInvocationError_withLambdasErrorJson() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        serve((request, sink) -> {
            if (calls.incrementAndGet() == 1) throw new IllegalArgumentException("wiring bug");
            sink.send(new relay.core.api.ApiResponse(200, Map.of("content-type", "application/json"), "{}"));
            return AfterAnswer.NOTHING;
        });
        lambda.enqueue("lambda-bug", event("chat-completions.json"));
        lambda.enqueue("lambda-fine", event("health.json"));

        var report = lambda.awaitError("/invocation/lambda-bug/error", WAIT);
        lambda.awaitResponse("lambda-fine", WAIT);

        assertEquals("Runtime.UserException", report.header("lambda-runtime-function-error-type"));
        JsonNode error = Json.MAPPER.readTree(report.body());
        assertEquals("wiring bug", error.get("errorMessage").asText());
        assertEquals("java.lang.IllegalArgumentException", error.get("errorType").asText());
        assertTrue(error.get("stackTrace").get(0).asText().contains("RelayRuntimeTest"), error.toString());
        assertFalse(lambda.timeline().contains("response-start lambda-bug"), "no response was begun");
    }

    @Test
    void anHttpApiEvent_isAnsweredWhole_asItCannotStream() throws IOException {
        serve(mockApi(record -> {})::handle);
        lambda.enqueue("lambda-http-api", """
                {"version": "2.0", "routeKey": "$default", "rawPath": "/v1/models", "rawQueryString": "",
                 "headers": {"authorization": "Bearer sk-relay-test-master-key"},
                 "requestContext": {"apiId": "r3lay7api1", "domainName": "r3lay7api1.execute-api.us-east-1.amazonaws.com",
                   "http": {"method": "GET", "path": "/v1/models"}, "requestId": "http-api-1"},
                 "isBase64Encoded": false}
                """.getBytes(StandardCharsets.UTF_8));

        var response = lambda.awaitResponse("lambda-http-api", WAIT);

        assertFalse(response.chunked());
        assertNull(response.header("lambda-runtime-function-response-mode"));
        JsonNode answer = Json.MAPPER.readTree(response.body());
        assertEquals(200, answer.get("statusCode").asInt());
        assertEquals("http-api-1", answer.at("/headers/x-relay-request-id").asText());
        assertEquals("list", Json.MAPPER.readTree(answer.get("body").asText()).get("object").asText());
        assertFalse(answer.get("isBase64Encoded").asBoolean());
    }

    @Test
    void aFunctionUrlEvent_isStreamed() throws IOException {
        serve(mockApi(record -> {})::handle);
        lambda.enqueue("lambda-url", """
                {"version": "2.0", "routeKey": "$default", "rawPath": "/health", "rawQueryString": "", "headers": {},
                 "requestContext": {"domainName": "abcdefgh.lambda-url.us-east-1.on.aws",
                   "http": {"method": "GET", "path": "/health"}, "requestId": "url-1"}, "isBase64Encoded": false}
                """.getBytes(StandardCharsets.UTF_8));

        var response = lambda.awaitResponse("lambda-url", WAIT);

        assertEquals("streaming", response.header("lambda-runtime-function-response-mode"));
        assertEquals(200, prelude(response.body()).get("statusCode").asInt());
        assertEquals("{\"status\":\"healthy\"}", afterPrelude(response.body()));
    }

    @Test
    void anEventThatIsNotJson_isA400_notAnInvocationError() throws IOException {
        serve(mockApi(record -> {})::handle);
        lambda.enqueue("lambda-garbage", "not an event".getBytes(StandardCharsets.UTF_8));

        var response = lambda.awaitResponse("lambda-garbage", WAIT);

        assertEquals(400, prelude(response.body()).get("statusCode").asInt());
        assertEquals("invalid_request_error", Json.MAPPER.readTree(afterPrelude(response.body())).at("/error/type").asText());
        assertTrue(lambda.errors().isEmpty());
    }

    @Test
    void eachInvocation_getsLambdasDeadlineLessTheMargin_andItsTraceHeader() throws IOException {
        AtomicReference<Instant> deadline = new AtomicReference<>();
        AtomicReference<String> trace = new AtomicReference<>();
        serve((request, sink) -> {
            deadline.set(request.deadline());
            trace.set(System.getProperty(RelayRuntime.TRACE_HEADER_PROPERTY));
            sink.send(new relay.core.api.ApiResponse(200, Map.of(), "{}"));
            return AfterAnswer.NOTHING;
        });
        long deadlineMs = Instant.now().plus(Duration.ofMinutes(10)).toEpochMilli();
        lambda.enqueue(new FakeLambdaRuntimeApi.Invocation("lambda-timed", deadlineMs, "arn:aws:lambda:us-east-1:1:function:f",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1", event("health.json")));

        lambda.awaitResponse("lambda-timed", WAIT);

        assertEquals(Instant.ofEpochMilli(deadlineMs).minus(relay.proxy.ProxyEvent.DEADLINE_MARGIN), deadline.get());
        assertEquals("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1", trace.get());
    }

    @Test
    void initFailure_isReportedToInitError_andEndsTheRuntime() {
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "RELAY_SECRET_ARN", "relay/keys"));

        int status = RelayRuntime.start(env, RuntimeApi.at(lambda.address()), RelayRuntime::wire);

        assertEquals(1, status);
        var report = lambda.awaitError("/init/error", WAIT);
        assertEquals("Runtime.ConfigInvalid", report.header("lambda-runtime-function-error-type"));
        assertTrue(report.body().contains("\"errorType\":\"relay.core.config.ConfigException\""), report.body());
        assertTrue(report.body().contains("RELAY_REQUEST_LOG_TABLE"), report.body());
        assertEquals(0, lambda.nextCalls(), "a runtime that failed its init asks for no invocation");
    }

    @Test
    void aBadConfigFile_isAnInitError_namingTheFileLineAndSetting(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: a
                    litellm_params:
                      model: foo/bar
                """);
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "RELAY_SECRET_ARN", "relay/keys",
                "RELAY_REQUEST_LOG_TABLE", "relay-log", "RELAY_CONFIG_PATH", config.toString()));

        int status = RelayRuntime.start(env, RuntimeApi.at(lambda.address()), RelayRuntime::wire);

        assertEquals(1, status);
        var report = lambda.awaitError("/init/error", WAIT);
        assertEquals("Runtime.ConfigInvalid", report.header("lambda-runtime-function-error-type"));
        JsonNode body = Json.MAPPER.readTree(report.body());
        assertEquals(config + ":4: model_list[0].litellm_params.model: 'foo/bar' names the provider 'foo', which Relay does not know",
                body.path("errorMessage").asText().substring(0, body.path("errorMessage").asText().indexOf(";")));
        assertEquals(0, body.path("stackTrace").size(), "the message says it all");
        assertEquals(0, lambda.nextCalls());
    }

    @Test
    void underSnapStart_primesBeforeTheSnapshot_thenRenewsAfterRestore_thenServes() throws Exception {
        RelayApi api = mockApi(record -> {});
        Map<String, String> env = Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start");
        AtomicInteger status = new AtomicInteger(-1);
        loop = Thread.ofPlatform().daemon().start(() -> status.set(RelayRuntime.start(env, RuntimeApi.at(lambda.address()),
                e -> new RelayRuntime.Served(api::handle, () -> {
                    api.prime();
                    lambda.note("primed");
                }, () -> lambda.note("reseeded")))));
        lambda.enqueue("lambda-restored", event("health.json"));

        lambda.awaitResponse("lambda-restored", WAIT);

        List<String> timeline = lambda.timeline();
        assertEquals(List.of("primed", "restore-next", "reseeded", "next"), timeline.subList(0, 4), timeline.toString());
        lambda.close();
        loop.join(WAIT.toMillis());
        assertEquals(2, status.get(), "the loop ends, non-zero, when the Runtime API goes away");
    }

    @Test
    void aFailingAfterRestoreHook_isReportedToRestoreError() {
        int status = RelayRuntime.start(Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"), RuntimeApi.at(lambda.address()),
                e -> new RelayRuntime.Served((request, sink) -> AfterAnswer.NOTHING, () -> {}, () -> {
                    throw new IllegalStateException("cannot reseed");
                }));

        assertEquals(64, status);
        var report = lambda.awaitError("/restore/error", WAIT);
        assertEquals("Runtime.AfterRestoreError", report.header("lambda-runtime-function-error-type"));
        assertTrue(report.body().contains("cannot reseed"), report.body());
        assertEquals(0, lambda.nextCalls());
    }

    @Test
    void withoutSnapStart_thereIsNoRestoreCall() throws Exception {
        AtomicInteger primed = new AtomicInteger();
        loop = Thread.ofPlatform().daemon().start(() -> RelayRuntime.start(Map.of(), RuntimeApi.at(lambda.address()),
                e -> new RelayRuntime.Served((request, sink) -> {
                    sink.send(new relay.core.api.ApiResponse(200, Map.of(), "{}"));
                    return AfterAnswer.NOTHING;
                }, primed::incrementAndGet, primed::incrementAndGet)));
        lambda.enqueue("lambda-plain", event("health.json"));

        lambda.awaitResponse("lambda-plain", WAIT);

        assertFalse(lambda.timeline().contains("restore-next"));
        assertEquals(0, primed.get(), "the hooks are SnapStart's only");
    }

    @Test
    void underSamLocal_everyAnswerIsWhole() throws Exception {
        RelayApi api = mockApi(record -> {});
        loop = Thread.ofPlatform().daemon().start(() -> RelayRuntime.start(Map.of("AWS_SAM_LOCAL", "true"),
                RuntimeApi.at(lambda.address()), e -> new RelayRuntime.Served(api::handle, () -> {}, () -> {})));
        lambda.enqueue("lambda-local", event("health.json"));

        var response = lambda.awaitResponse("lambda-local", WAIT);

        assertFalse(response.chunked());
        assertEquals(200, Json.MAPPER.readTree(response.body()).get("statusCode").asInt());
    }

    @Test
    void priming_theLoopsOwnPath_touchesNoNetwork() throws IOException {
        RelayRuntime.primeOwnPath();

        assertTrue(lambda.timeline().isEmpty());
    }

    @Test
    void anAnswerOverLambdasSixMegabytePayloadLimit_isStreamedWhole() throws IOException {
        // 10,000 embeddings of 64 floats as JSON: about 8 MB, more than a buffered Lambda answer may hold
        serve(mockApi(record -> {})::handle);
        StringBuilder inputs = new StringBuilder();
        for (int i = 0; i < 10_000; i++) inputs.append(i == 0 ? "" : ",").append("\"text ").append(i).append('"');
        var event = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(event("embeddings.json"));
        event.put("body", "{\"model\":\"mock-gpt\",\"encoding_format\":\"float\",\"input\":[" + inputs + "]}");
        event.put("isBase64Encoded", false);
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("headers")).remove("content-length");
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("multiValueHeaders")).remove("content-length");
        lambda.enqueue("lambda-big", Json.MAPPER.writeValueAsBytes(event));

        var response = lambda.awaitResponse("lambda-big", WAIT);

        assertEquals(200, prelude(response.body()).get("statusCode").asInt());
        JsonNode answer = Json.MAPPER.readTree(afterPrelude(response.body()));
        assertEquals(10_000, answer.get("data").size());
        assertTrue(response.body().length > 6 * 1024 * 1024, "bigger than a buffered answer may be: " + response.body().length);
    }

    @Test
    void aStreamOf45Seconds_arrivesWhole_pastTheOld29SecondCeiling() throws IOException {
        try (relay.testing.FakeOpenAi provider = relay.testing.FakeOpenAi.start()) {
            provider.enqueue(new relay.testing.FakeOpenAi.Reply.Paced(46, Duration.ofSeconds(1)));
            serve(api("""
                    model_list:
                      - model_name: gpt-4o
                        litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, api_base: "%s", timeout: 10}
                    general_settings:
                      master_key: os.environ/RELAY_MASTER_KEY
                    """.formatted(provider.baseUrl()), record -> {})::handle);
            String request = new String(event("chat-completions-stream.json"), StandardCharsets.UTF_8).replace("mock/mock-gpt", "gpt-4o");
            lambda.enqueue("lambda-long", request.getBytes(StandardCharsets.UTF_8));

            var response = lambda.awaitResponse("lambda-long", Duration.ofMinutes(3));

            String sse = afterPrelude(response.body());
            for (int i = 0; i < 46; i++) assertTrue(sse.contains("w" + i + " "), "chunk " + i + " of " + sse);
            assertTrue(sse.endsWith("data: [DONE]\n\n"), sse);
            assertTrue(response.trailers().isEmpty(), response.trailers().toString());
        }
    }
}
