package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.provider.ModelRouter;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;

/**
 * The time a provider gets: the whole of the request's own {@code timeout}, and the transport's deadline less a
 * small margin for sending the answer. A fixed clock makes the arithmetic exact.
 */
class RequestTimeoutTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);

    final RelayApiTest.FakeProvider provider = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();

    RelayApi api() {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: chat
                    litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY, timeout: 25}
                router_settings: {num_retries: 0}
                """);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofSeconds(25));
        Router router = new Router(models, RouterPolicy.from(config), CLOCK, new java.util.SplittableRandom(1));
        return new RelayApi(new Gateway(models, router, new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake")), CLOCK, false),
                models, new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), logs, CLOCK, Duration.ofDays(1));
    }

    ApiResponse chat(String extra, Instant transportDeadline) {
        String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
        return api().handle(new ApiRequest("req-1", "POST", "/v1/chat/completions", Map.of(),
                body.getBytes(StandardCharsets.UTF_8), transportDeadline));
    }

    @Test
    void aRequestTimeoutUnderASecond_callsTheProvider_withAllOfIt() {
        ApiResponse response = chat(",\"timeout\":0.9", null);

        assertEquals(200, response.status(), response.body());
        assertEquals(Duration.ofMillis(900), provider.calls.get(0).timeout());
    }

    @Test
    void theRequestTimeout_isTheProvidersWholeTime() {
        chat(",\"timeout\":1", null);
        chat(",\"request_timeout\":2.5", null);

        assertEquals(Duration.ofSeconds(1), provider.calls.get(0).timeout());
        assertEquals(Duration.ofMillis(2500), provider.calls.get(1).timeout());
    }

    @Test
    void theTransportsDeadline_keepsATenthAndAtMost750msForTheAnswer() {
        chat("", CLOCK.instant().plusSeconds(10));
        chat("", CLOCK.instant().plusSeconds(2));
        chat(",\"timeout\":1", CLOCK.instant().plusSeconds(10));

        assertEquals(Duration.ofMillis(9250), provider.calls.get(0).timeout());
        assertEquals(Duration.ofMillis(1800), provider.calls.get(1).timeout());
        assertEquals(Duration.ofSeconds(1), provider.calls.get(2).timeout(), "the request's own timeout is sooner");
    }
}
