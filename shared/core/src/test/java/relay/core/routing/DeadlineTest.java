package relay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.api.Authenticator;
import relay.core.api.RelayApi;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;

/** The whole chain inside the request's deadline, through the HTTP surface, with the request log. */
class DeadlineTest {
    /**
     * A provider whose deployment {@code slow} does not answer while the test runs, whatever its timeout (a stalled
     * body: it waits for a latch nobody releases, 60 s at most so that a router that never ends it fails the test
     * instead of hanging it); the others answer.
     */
    static final class SlowProvider implements Provider {
        final AtomicInteger slowCalls = new AtomicInteger();
        final AtomicInteger slowCallsEnded = new AtomicInteger();
        final AtomicInteger otherCalls = new AtomicInteger();
        final CountDownLatch never = new CountDownLatch(1);

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String defaultKeyName() {
            return null;
        }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            if (call.deployment().providerModel().equals("slow")) {
                slowCalls.incrementAndGet();
                try {
                    never.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    slowCallsEnded.incrementAndGet();
                    Thread.currentThread().interrupt();
                    throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "fake (slow): the call was interrupted.");
                }
            } else {
                otherCalls.incrementAndGet();
            }
            return relay.core.provider.Completions.response("chatcmpl-1", 1, call.request().model(), "hi",
                    relay.core.wire.Usage.of(1, 1));
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            throw new UnsupportedOperationException();
        }
    }

    final List<RequestLog> logs = new CopyOnWriteArrayList<>();
    final SlowProvider provider = new SlowProvider();

    RelayApi api() {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: slow
                    litellm_params: {model: fake/slow}
                  - model_name: spare
                    litellm_params: {model: fake/spare}
                router_settings: {fallbacks: [{slow: [spare]}]}
                """);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(25));
        Clock clock = Clock.systemUTC();
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        return new RelayApi(new Gateway(models, router, new EnvironmentKeyStore(Map.of()), clock, false), models,
                new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs::add, clock, Duration.ofDays(1));
    }

    @Test
    void aDeadlineTwoSecondsAway_andADeploymentThatDoesNotAnswer_isATimeoutError_andLogged() throws Exception {
        RelayApi api = api();
        // warm the request path (class loading), so the time the deadline leaves goes to the call
        ApiResponse warm = api.handle(new ApiRequest("req-warm", "POST", "/v1/chat/completions", Map.of(),
                "{\"model\":\"spare\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, warm.status(), warm.body());
        provider.otherCalls.set(0);
        logs.clear();
        byte[] body = "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);

        // 2 s: the call starts well inside it even on a loaded machine, and ends at it
        ApiResponse response = api.handle(new ApiRequest("req-deadline", "POST", "/v1/chat/completions",
                Map.of("content-type", "application/json"), body, Instant.now().plusSeconds(2)));

        assertEquals(408, response.status(), response.body());
        JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
        assertEquals("timeout_error", error.path("type").asText());
        assertEquals("timeout", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("fake/slow"), error.toString());
        assertEquals(1, provider.slowCalls.get());
        assertEquals(1, provider.slowCallsEnded.get(), "the stalled call was ended at the deadline, not left to answer");
        assertEquals(0, provider.otherCalls.get(), "no time left for the fallback");
        assertNull(response.headers().get("x-relay-model"));
        assertEquals("1", response.headers().get("x-relay-fallbacks"));

        assertEquals(1, logs.size());
        RequestLog log = logs.get(0);
        assertEquals(408, log.status());
        assertEquals("timeout_error", log.errorType());
        assertNull(log.deployment());
        assertEquals(1, log.attempts().size());
        assertEquals("fake/slow", log.attempts().get(0).deployment());
        assertEquals(408, log.attempts().get(0).status());
        assertEquals("timeout", log.attempts().get(0).errorType());
    }
}
