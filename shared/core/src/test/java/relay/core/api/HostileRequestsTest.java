package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.api.RelayApiTest.assertError;
import static relay.core.api.RelayApiTest.json;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.cache.CacheSettings;
import relay.core.cache.InMemoryResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;

/**
 * Requests built to hurt: each gets an OpenAI-shaped 4xx (or its answer), a log record, and nothing that
 * lets it harm the next client. The exact-match response cache is on, as it is where some of them did harm.
 */
class HostileRequestsTest {
    static final String CONFIG = """
            model_list:
              - model_name: chat
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
              - model_name: other
                litellm_params: {model: fake/other-1, api_key: os.environ/FAKE_KEY}
            router_settings: {num_retries: 0}
            litellm_settings: {cache: true, cache_params: {type: local}}
            """;

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    final Clock clock = Clock.systemUTC();
    final InMemoryResponseCache cache = new InMemoryResponseCache(SemanticPolicy.cosine(0.99), clock);

    RelayApi api(String yaml) {
        RelayConfig config = RelayConfig.parse(yaml);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5));
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        ResponseCaching caching = new ResponseCaching(CacheSettings.from(true, Map.of("type", "local")), cache, null);
        return new RelayApi(new Gateway(models, router, new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake-key-0123456789")),
                clock, false, caching), models, new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, clock,
                Duration.ofDays(1));
    }

    RelayApi api() {
        return api(CONFIG);
    }

    ApiResponse post(RelayApi api, byte[] body) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", "/v1/chat/completions",
                Map.of("content-type", "application/json"), body));
    }

    ApiResponse post(RelayApi api, String body) {
        return post(api, body.getBytes(StandardCharsets.UTF_8));
    }

    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
    }

    RequestLog lastLog() {
        return logs.records.get(logs.records.size() - 1);
    }

    // ---- 1e309 ----

    @Test
    void aNumberThatOverflowsAFloat_isA400NamingIt_withTheCacheOn_andNeverReachesTheProvider() {
        RelayApi api = api();

        ApiResponse inLogitBias = post(api, chat("chat", ",\"logit_bias\":{\"50256\":1e309}"));
        ApiResponse streamed = post(api, chat("chat", ",\"stream\":true,\"temperature\":-1e309"));

        assertError(inLogitBias, 400, "invalid_request_error", null);
        assertEquals("logit_bias.50256", json(inLogitBias).path("error").path("param").asText(), inLogitBias.body());
        assertError(streamed, 400, "invalid_request_error", null);
        assertEquals("temperature", json(streamed).path("error").path("param").asText());
        assertTrue(provider.calls.isEmpty(), "never forwarded (as \"Infinity\")");
        assertEquals(List.of(400, 400), logs.records.stream().map(RequestLog::status).toList());
    }

    // ---- malformed UTF-8 ----

    @Test
    void anOverlongUtf8Sequence_isA400_andNotASlash() {
        byte[] json = chat("chat", "").getBytes(StandardCharsets.UTF_8);
        String text = new String(json, StandardCharsets.UTF_8);
        int at = text.indexOf("chat\"") + 2; // inside the model name: "ch" C0 AF "at"
        byte[] body = new byte[json.length + 2];
        System.arraycopy(json, 0, body, 0, at);
        body[at] = (byte) 0xC0;
        body[at + 1] = (byte) 0xAF;
        System.arraycopy(json, at, body, at + 2, json.length - at);

        ApiResponse response = post(api(), body);

        assertError(response, 400, "invalid_request_error", null);
        assertTrue(json(response).path("error").path("message").asText().contains("UTF-8"), response.body());
        assertTrue(provider.calls.isEmpty());
        assertEquals(400, lastLog().status());
    }

    // ---- bidirectional controls ----

    @Test
    void errorMessages_neverEchoBidirectionalControls() {
        RelayApi api = api();
        String rlo = "\u202E";

        List<ApiResponse> responses = List.of(
                post(api, "{\"model\":\"chat\",\"messages\":[{\"role\":\"us" + rlo + "er\",\"content\":\"hi\"}]}"),
                post(api, chat("chat" + rlo + "gpt", "")),
                api.handle(new ApiRequest("req-x", "GET", "/v1/" + rlo + "txt.exe", Map.of(), null)));

        for (ApiResponse response : responses) {
            assertTrue(response.status() >= 400 && response.status() < 500, response.body());
            String message = json(response).path("error").path("message").asText();
            assertFalse(message.isBlank(), response.body());
            assertFalse(message.chars().anyMatch(c -> c == 0x202E || c == 0x2066 || c == 0x200F), message);
        }
        assertTrue(json(responses.get(0)).path("error").path("message").asText().contains("'us\\u202Eer'"),
                "the message still says what was sent, visibly: " + responses.get(0).body());
        for (RequestLog record : logs.records) {
            assertFalse(record.errorMessage().contains(rlo), record.errorMessage());
        }
    }

    // ---- what one request can make Relay hold ----

    static String fallbacks(int count) {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < count; i++) names.append(i == 0 ? "" : ",").append("\"unknown-").append(i).append('"');
        return ",\"fallbacks\":[" + names + "]";
    }

    @Test
    void moreThanTenFallbacks_isA400NamingFallbacks_beforeAnyCall() {
        RelayApi api = api();
        provider.chat = call -> { throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "down"); };

        ApiResponse tenThousand = post(api, chat("chat", fallbacks(10_000)));
        ApiResponse eleven = post(api, chat("chat", fallbacks(11)));
        ApiResponse ten = post(api, chat("chat", fallbacks(10)));

        assertError(tenThousand, 400, "invalid_request_error", null);
        assertEquals("fallbacks", json(tenThousand).path("error").path("param").asText());
        assertEquals("fallbacks", json(eleven).path("error").path("param").asText());
        assertEquals(1, provider.calls.size(), "only the request with ten fallbacks reached a provider");
        assertEquals(404, ten.status(), "an unknown fallback is the most telling failure: " + ten.body());
        assertEquals(11, lastLog().attempts().size(), "its model, then its ten (unknown) fallbacks");
    }

    @Test
    void aRequestThatMakesHundredsOfAttempts_keepsABoundedRecord_andABoundedMessage() {
        StringBuilder yaml = new StringBuilder("model_list:\n");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i <= 10; i++) {
            yaml.append("  - model_name: g").append(i).append("\n    litellm_params: {model: fake/g").append(i)
                    .append(", api_key: os.environ/FAKE_KEY}\n");
            if (i > 0) names.append(names.isEmpty() ? "" : ",").append("\"g").append(i).append('"');
        }
        yaml.append("router_settings: {num_retries: 10, allowed_fails: 100000}\n");
        RelayApi api = api(yaml.toString());
        String longReason = "overloaded " + "x".repeat(5000);
        provider.chat = call -> {
            throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_UNAVAILABLE,
                    "fake (" + call.deployment().providerModel() + ") " + longReason, null, Map.of("retry-after-ms", "1"), null);
        };

        ApiResponse response = post(api, chat("g0", ",\"fallbacks\":[" + names + "]"));

        assertEquals(503, response.status());
        assertEquals(11 * 11, provider.calls.size(), "eleven groups, eleven tries each");
        RequestLog record = lastLog();
        assertTrue(record.attempts().size() <= relay.core.gateway.RequestTrace.MAX_ATTEMPTS_KEPT, "attempts kept: " + record.attempts().size());
        relay.core.log.Attempt omitted = record.attempts().get(record.attempts().size() - 2);
        assertEquals(relay.core.gateway.RequestTrace.ATTEMPTS_OMITTED, omitted.errorType());
        assertTrue(omitted.message().startsWith((121 - record.attempts().size() + 1) + " more attempts"), omitted.message());
        assertEquals("fake/g10", record.attempts().get(record.attempts().size() - 1).deployment(), "the last attempt is kept");
        assertTrue(record.attempts().stream().allMatch(a -> a.message().length() <= relay.core.gateway.RequestTrace.MAX_ATTEMPT_MESSAGE_CHARS));
        String message = json(response).path("error").path("message").asText();
        assertTrue(message.startsWith("All 121 attempts failed"), message.substring(0, 100));
        assertTrue(message.length() < 20_000, "the client's message lists the first failures only: " + message.length());
        assertEquals("11", response.headers().get("x-relay-fallbacks"), "every deployment failed");
    }

    // ---- cache poisoning through the request's own fallbacks ----

    /** chat always fails; other and spare answer, each naming itself. */
    void chatFails() {
        provider.chat = call -> {
            if (call.deployment().providerModel().equals("chat-1")) {
                throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "fake (chat-1) returned 500");
            }
            return relay.core.provider.Completions.response("c-1", 1, "m", "answer of " + call.deployment().providerModel(),
                    relay.core.wire.Usage.of(1, 1));
        };
        provider.stream = (call, out) -> {
            if (call.deployment().providerModel().equals("chat-1")) {
                throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "fake (chat-1) returned 500");
            }
            relay.core.provider.Completions.chunks("c-1", 1, "m", "answer of " + call.deployment().providerModel(), null).forEach(out);
        };
    }

    @Test
    void anAnswerFromTheRequestsOwnFallback_isNeverCachedAsTheRequestedModels() {
        RelayApi api = api();
        chatFails();

        ApiResponse viaFallback = post(api, chat("chat", ",\"fallbacks\":[\"other\"]"));
        ApiResponse streamedViaFallback = post(api, chat("chat", ",\"stream\":true,\"fallbacks\":[\"other\"]"));
        ApiResponse plain = post(api, chat("chat", ""));
        ApiResponse plainStream = post(api, chat("chat", ",\"stream\":true"));

        assertEquals(200, viaFallback.status(), viaFallback.body());
        assertEquals("fake/other-1", viaFallback.headers().get("x-relay-model"));
        assertEquals(200, streamedViaFallback.status());
        assertTrue(streamedViaFallback.body().contains("other-1"), streamedViaFallback.body());
        assertTrue(plain.status() >= 500 || plain.status() == 429, "a plain request for chat is not answered by other's answer: " + plain.body());
        assertEquals("miss", plain.headers().get("x-relay-cache"));
        assertEquals("miss", plainStream.headers().get("x-relay-cache"));
        assertFalse(plainStream.body().contains("other-1"), plainStream.body());
    }

    @Test
    void anAnswerFromAConfiguredFallback_isCached_evenWhenTheRequestAlsoNamedIt() {
        chatFails();
        RelayApi configured = api(CONFIG.replace("router_settings: {num_retries: 0}",
                "router_settings: {num_retries: 0, fallbacks: [{chat: [other]}]}"));

        ApiResponse first = post(configured, chat("chat", ",\"fallbacks\":[\"other\"]"));
        ApiResponse again = post(configured, chat("chat", ""));

        assertEquals(200, first.status(), first.body());
        assertEquals("hit-exact", again.headers().get("x-relay-cache"), "the config stands behind other answering for chat");
    }

    @Test
    void aConfiguredFallbackReachedThroughTheRequestsFallback_isNotCachedEither() {
        RelayApi api = api(CONFIG.replace("router_settings: {num_retries: 0}",
                "  - model_name: spare\n    litellm_params: {model: fake/spare-1, api_key: os.environ/FAKE_KEY}\n"
                        + "router_settings: {num_retries: 0, fallbacks: [{other: [spare]}]}"));
        chatFails();
        var answer = provider.chat;
        provider.chat = call -> {
            if (call.deployment().providerModel().equals("other-1")) {
                throw new relay.core.error.RelayException(relay.core.error.ErrorKind.PROVIDER_ERROR, "fake (other-1) returned 500");
            }
            return answer.apply(call);
        };

        ApiResponse viaChain = post(api, chat("chat", ",\"fallbacks\":[\"other\"]"));
        ApiResponse plain = post(api, chat("chat", ""));

        assertEquals("fake/spare-1", viaChain.headers().get("x-relay-model"), viaChain.body());
        assertEquals("miss", plain.headers().get("x-relay-cache"));
        assertFalse(plain.body().contains("spare-1"), plain.body());
    }

    // ---- a JVM Error on the request path ----

    /** A sink recording what reached the client. */
    static final class Recording implements ResponseSink {
        final List<String> calls = new java.util.ArrayList<>();

        @Override
        public void head(int status, Map<String, String> headers) {
            calls.add("head " + status + " " + headers.get("content-type"));
        }

        @Override
        public void body(byte[] bytes) {
            calls.add(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void end() {
            calls.add("end");
        }
    }

    AfterAnswer handle(RelayApi api, String body, ResponseSink sink) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", "/v1/chat/completions", Map.of(),
                body.getBytes(StandardCharsets.UTF_8)), sink);
    }

    @Test
    void anOutOfMemoryError_isA500InternalError_withItsRecord_andIsRethrownAfterTheBookkeeping() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (from the test)");
        provider.chat = call -> { throw oom; };
        Recording sink = new Recording();

        AfterAnswer after = handle(api(), chat("chat", ""), sink);

        assertEquals("head 500 application/json", sink.calls.get(0));
        assertTrue(sink.calls.get(1).contains("\"internal_error\""), sink.calls.get(1));
        assertFalse(sink.calls.get(1).contains("heap"), "no detail of the error: " + sink.calls.get(1));
        assertEquals("end", sink.calls.get(2));
        assertTrue(logs.records.isEmpty(), "the record waits for the answer to be out");
        OutOfMemoryError rethrown = org.junit.jupiter.api.Assertions.assertThrows(OutOfMemoryError.class, after::run);
        assertTrue(rethrown == oom, "the same Error, not swallowed");
        RequestLog record = lastLog();
        assertEquals(500, record.status());
        assertEquals("internal_error", record.errorCode());
        assertEquals("fake/chat-1", record.attempts().get(0).deployment());
    }

    @Test
    void aStackOverflowMidStream_endsTheStreamWithAnErrorEvent_andIsLogged() {
        provider.stream = (call, out) -> {
            relay.core.provider.Completions.chunks("c-1", 1, "m", "first words", null).subList(0, 2).forEach(out);
            throw new StackOverflowError();
        };
        Recording sink = new Recording();

        AfterAnswer after = handle(api(), chat("chat", ",\"stream\":true"), sink);

        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        String last = sink.calls.get(sink.calls.size() - 2);
        assertTrue(last.startsWith("data: {\"error\"") && last.contains("internal_error"), last);
        assertEquals("end", sink.calls.get(sink.calls.size() - 1));
        org.junit.jupiter.api.Assertions.assertThrows(StackOverflowError.class, after::run);
        RequestLog record = lastLog();
        assertEquals(200, record.status(), "the client had its 200 and then the error event");
        assertEquals("internal_error", record.errorCode());
        assertTrue(record.stream());
    }

    @Test
    void theBufferedPath_answersTheErrorAs500_andLogsIt() {
        provider.chat = call -> { throw new StackOverflowError(); };

        ApiResponse response = post(api(), chat("chat", ""));

        assertError(response, 500, "api_error", "internal_error");
        assertEquals(500, lastLog().status());
    }

    // ---- a stream too long to cache ----

    @Test
    void aStreamTooLongToCache_isStreamedWhole_butNotKept() {
        String word = "w".repeat(1000) + " ";
        provider.stream = (call, out) -> {
            for (int i = 0; i < 1200; i++) {
                out.accept(relay.core.provider.Completions.chunks("c-1", 1, "m", word, null).get(1));
            }
            out.accept(relay.core.provider.Completions.chunks("c-1", 1, "m", "", relay.core.wire.Usage.of(1, 1200)).getLast());
        };
        RelayApi api = api();

        ApiResponse first = post(api, chat("chat", ",\"stream\":true"));
        ApiResponse again = post(api, chat("chat", ",\"stream\":true"));

        assertTrue(first.body().endsWith("data: [DONE]\n\n"));
        assertTrue(first.body().length() > 1_200_000, "the client got it all: " + first.body().length());
        assertEquals("miss", again.headers().get("x-relay-cache"), "a 1.2 M-character answer is not kept for the cache");
    }
}
