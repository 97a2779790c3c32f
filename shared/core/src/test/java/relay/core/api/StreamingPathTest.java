package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.cache.CacheSettings;
import relay.core.cache.InMemoryResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.Usage;

/**
 * The request path as a transport sees it: events reach the sink as the provider sends them, the
 * bookkeeping waits for the answer, a client that hangs up stops the provider, and a stream's time is
 * bounded by its chunks, not by the deployment's timeout.
 */
class StreamingPathTest {
    static final String CONFIG = """
            model_list:
              - model_name: fast
                litellm_params: {model: fake/fast, api_key: os.environ/FAKE_KEY, timeout: 2, stream_timeout: 0.3}
              - model_name: backup
                litellm_params: {model: fake/backup, api_key: os.environ/FAKE_KEY}
              - model_name: steady
                litellm_params: {model: fake/steady, api_key: os.environ/FAKE_KEY, timeout: 2, stream_timeout: 30}
            router_settings: {num_retries: 0}
            """;

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();

    RelayApi api(ResponseCaching caching) {
        RelayConfig config = RelayConfig.parse(CONFIG);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(5));
        Clock clock = Clock.systemUTC();
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        var keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake"));
        return new RelayApi(new Gateway(models, router, keys, clock, false, caching), models,
                new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, clock, Duration.ofDays(1));
    }

    RelayApi api() {
        return api(ResponseCaching.off());
    }

    ApiRequest post(String body) {
        return new ApiRequest("req-" + ids.incrementAndGet(), "POST", "/v1/chat/completions", Map.of(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    static String stream(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** A sink that records what it was given, in order. */
    static class RecordingSink implements ResponseSink {
        final List<String> calls = new ArrayList<>();
        Map<String, String> headers;

        @Override
        public void head(int status, Map<String, String> headers) {
            this.headers = headers;
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

        long bodies() {
            return calls.stream().filter(c -> c.startsWith("data: ")).count();
        }
    }

    @Test
    void eachChunkReachesTheSink_beforeTheProviderSendsTheNext() {
        RecordingSink sink = new RecordingSink();
        List<Long> seenBeforeEachChunk = new ArrayList<>();
        provider.stream = (call, out) -> {
            for (var chunk : Completions.chunks("c-1", 1, "fast", "one two three", null)) {
                seenBeforeEachChunk.add(sink.bodies());
                out.accept(chunk);
            }
        };

        api().handle(post(stream("fast")), sink).run();

        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seenBeforeEachChunk, "no event waits for a later one");
        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        assertEquals("data: [DONE]\n\n", sink.calls.get(sink.calls.size() - 2));
        assertEquals("end", sink.calls.get(sink.calls.size() - 1));
    }

    @Test
    void theLogRecordAndTheCacheStore_waitUntilTheTransportRunsTheAfterAnswer() {
        var cache = new InMemoryResponseCache(SemanticPolicy.cosine(0.99), Clock.systemUTC());
        RelayApi api = api(new ResponseCaching(CacheSettings.from(true, Map.of("type", "local")), cache, null));
        String chat = "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        RecordingSink first = new RecordingSink();

        AfterAnswer after = api.handle(post(chat), first);

        assertTrue(first.calls.contains("end"), "the answer is out");
        assertTrue(logs.records.isEmpty(), "no record before the answer is out");
        RecordingSink beforeStore = new RecordingSink();
        api.handle(post(chat), beforeStore);
        assertEquals("miss", beforeStore.headers.get("x-relay-cache"), "nothing stored before the answer is out");
        after.run();
        assertEquals(1, logs.records.size());
        assertEquals(200, logs.records.get(0).status());
        RecordingSink afterStore = new RecordingSink();
        api.handle(post(chat), afterStore);
        assertEquals("hit-exact", afterStore.headers.get("x-relay-cache"));
    }

    @Test
    void aClientThatHangsUp_stopsTheProvider_andIsLoggedAs499_withoutFallingBack() {
        AtomicBoolean providerStopped = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        provider.stream = (call, out) -> {
            try {
                for (int i = 0; i < 100; i++) {
                    out.accept(Completions.chunks("c-1", 1, "fast", "word", null).get(1));
                    sent.incrementAndGet();
                }
            } catch (RelayException e) {
                providerStopped.set(true);
                throw e;
            }
        };
        RecordingSink hangsUpAfterTwo = new RecordingSink() {
            @Override
            public void body(byte[] bytes) {
                if (bodies() == 2) throw ResponseSink.clientGone();
                super.body(bytes);
            }
        };

        api().handle(post(stream("fast").replace("}", ",\"fallbacks\":[\"backup\"]}")), hangsUpAfterTwo).run();

        assertTrue(providerStopped.get(), "the provider's loop saw the failure");
        assertEquals(2, sent.get());
        assertFalse(hangsUpAfterTwo.calls.contains("end"));
        RequestLog log = logs.records.get(0);
        assertEquals(499, log.status());
        assertEquals(1, provider.calls.size(), "no fallback once the client is gone");
        assertTrue(log.completionTokens() != null && log.completionTokens() > 0, "what was streamed is counted: " + log);
        assertTrue(log.promptTokens() != null && log.promptTokens() > 0, "and the prompt: " + log);
    }

    @Test
    void aStreamLongerThanTheDeploymentTimeout_runsToTheEnd_whileChunksKeepComing() {
        // timeout: 2 s bounds the wait for the first chunk only: chunks every 200 ms until the stream has run a second
        // past it (by the provider's own count, so a slow machine makes the stream longer, never shorter) run to the end
        provider.stream = (call, out) -> {
            long until = System.nanoTime() + Duration.ofSeconds(2 + 1).toNanos(); // steady's timeout, and a second
            for (int i = 0; System.nanoTime() < until; i++) {
                out.accept(Completions.chunks("c-1", 1, "fast", "w" + i, null).get(1));
                sleep(200);
            }
            out.accept(Completions.chunks("c-1", 1, "fast", "", Usage.of(1, 1)).get(1));
        };
        RecordingSink sink = new RecordingSink();

        api().handle(post(stream("steady")), sink).run();

        assertEquals("data: [DONE]\n\n", sink.calls.get(sink.calls.size() - 2), String.join("", sink.calls));
        assertEquals(200, logs.records.get(0).status());
        assertEquals(null, logs.records.get(0).errorType());
    }

    @Test
    void aStreamThatStalls_endsWithAnErrorEvent_afterStreamTimeout_andIsLoggedAsATimeout() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        provider.stream = (call, out) -> {
            out.accept(Completions.chunks("c-1", 1, "fast", "first", null).get(1));
            try {
                Thread.sleep(60_000); // stalls far past stream_timeout 0.3 s
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "fake (fast): the call was interrupted.");
            }
        };
        RecordingSink sink = new RecordingSink();

        api().handle(post(stream("fast")), sink).run();

        assertTrue(interrupted.await(0, TimeUnit.SECONDS), "the provider call was ended");
        String last = sink.calls.get(sink.calls.size() - 2);
        assertTrue(last.contains("\"error\"") && last.contains("stream_timeout"), last);
        assertFalse(String.join("", sink.calls).contains("[DONE]"));
        RequestLog log = logs.records.get(0);
        assertEquals(200, log.status());
        assertEquals("timeout_error", log.errorType());
        assertNotNull(log.errorMessage());
    }

    @Test
    void aStreamThatDoesNotStartWithinTheTimeout_fallsBack_beforeAnyByteIsSent() {
        provider.stream = (call, out) -> {
            if (call.deployment().providerModel().equals("fast")) sleep(60_000); // past timeout: 2 s, silent
            Completions.chunks("c-1", 1, "backup", "from backup", null).forEach(out);
        };
        RecordingSink sink = new RecordingSink();

        api().handle(post(stream("fast").replace("}", ",\"fallbacks\":[\"backup\"]}")), sink).run();

        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        assertTrue(String.join("", sink.calls).contains("from"), String.join("", sink.calls));
        assertEquals(408, logs.records.get(0).attempts().get(0).status());
    }

    @Test
    void aProviderErrorBeforeTheFirstChunk_isAPlainErrorResponse() {
        provider.stream = (call, out) -> {
            throw new RelayException(ErrorKind.RATE_LIMIT, "fake: slow down", null, Map.of("retry-after", "3"), null);
        };
        RecordingSink sink = new RecordingSink();

        api().handle(post(stream("fast")), sink).run();

        assertEquals("head 429 application/json", sink.calls.get(0));
        assertTrue(sink.calls.get(1).contains("rate_limit_error"));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "fake: the call was interrupted.");
        }
    }
}
