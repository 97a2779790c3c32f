package relay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.routing.Upstreams.fail;
import static relay.core.routing.Upstreams.plan;
import static relay.core.routing.Upstreams.trace;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.log.Attempt;

/** A deployment that fails {@code allowed_fails} times is skipped for {@code cooldown_time}, then tried again. */
class CooldownTest {
    static final Duration COOLDOWN = Duration.ofSeconds(5);

    /** a is (almost) always ordered first, so what happens to it is visible. */
    static final String PAIR = """
            model_list:
              - model_name: g
                litellm_params: {model: fake/a, weight: 1000000}
              - model_name: g
                litellm_params: {model: fake/b, weight: 0.000001}
              - model_name: solo
                litellm_params: {model: fake/solo}
            router_settings: {num_retries: 0, allowed_fails: 2, cooldown_time: 5}
            """;

    /** The cool-downs' clock: only the test moves it, so a slow machine cannot end a cool-down early. */
    final AtomicLong nanos = new AtomicLong();

    Router router(String yaml) {
        return Upstreams.router(yaml, 1, nanos::get);
    }

    void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    @Test
    void afterAllowedFails_theDeploymentIsSkipped_thenCalledAgainAfterTheCooldown() {
        Router router = router(PAIR);
        Upstreams upstreams = new Upstreams().script("fake/a", fail(ErrorKind.PROVIDER_ERROR), fail(ErrorKind.PROVIDER_UNAVAILABLE));

        assertEquals("fake/b", router.run(plan("g"), trace(), upstreams).deployment().id());
        assertEquals("fake/b", router.run(plan("g"), trace(), upstreams).deployment().id());
        assertEquals(2, upstreams.calls("fake/a"));

        RequestTrace skipped = trace();
        assertEquals("fake/b", router.run(plan("g"), skipped, upstreams).deployment().id());
        assertEquals(2, upstreams.calls("fake/a"), "cooling down: not called");
        Attempt cooling = skipped.attempts().get(0);
        assertEquals("fake/a", cooling.deployment());
        assertEquals("cooling_down", cooling.errorType());
        assertEquals(429, cooling.status());

        advance(COOLDOWN.minusMillis(1));
        assertEquals("fake/b", router.run(plan("g"), trace(), upstreams).deployment().id(), "still cooling down");
        assertEquals(2, upstreams.calls("fake/a"));

        advance(Duration.ofMillis(1));
        RequestTrace back = trace();
        assertEquals("fake/a", router.run(plan("g"), back, upstreams).deployment().id(), "back after the cool-down");
        assertEquals(3, upstreams.calls("fake/a"));
        assertEquals(1, back.attempts().size());
        assertEquals("fake/a", router.run(plan("g"), trace(), upstreams).deployment().id(), "and stays back");
    }

    @Test
    void aloneInItsGroup_aCoolingDeploymentIsA429CoolingDown_untilTheCooldownEnds() {
        Router router = router(PAIR);
        Upstreams upstreams = new Upstreams().script("fake/solo", fail(ErrorKind.PROVIDER_ERROR), fail(ErrorKind.PROVIDER_ERROR));
        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));

        RequestTrace trace = trace();
        RelayException e = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace, upstreams));

        assertEquals(ErrorKind.RATE_LIMIT, e.kind());
        assertEquals(429, e.kind().status());
        assertTrue(e.getMessage().contains("cooling down"), e.getMessage());
        assertEquals("5", e.headers().get("retry-after"), "the whole cool-down is left");
        assertEquals(2, upstreams.calls("fake/solo"));
        assertEquals(List.of("cooling_down"), trace.attempts().stream().map(Attempt::errorType).toList());

        advance(Duration.ofMillis(3_500));
        RelayException later = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertEquals("2", later.headers().get("retry-after"), "1.5 s left, rounded up");

        advance(Duration.ofMillis(1_500));
        assertEquals("fake/solo", router.run(plan("solo"), trace(), upstreams).deployment().id());
        assertEquals(3, upstreams.calls("fake/solo"));
    }

    @Test
    void aFailedTrialAfterTheCooldown_coolsItDownAgain() {
        Router router = router(PAIR);
        Upstreams upstreams = new Upstreams().always("fake/solo", fail(ErrorKind.PROVIDER_UNAVAILABLE));
        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        advance(COOLDOWN);

        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertEquals(3, upstreams.calls("fake/solo"), "one trial call");
        RelayException e = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertEquals(ErrorKind.RATE_LIMIT, e.kind(), "cooling down again after the failed trial");
        assertEquals(3, upstreams.calls("fake/solo"));

        advance(COOLDOWN);
        assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
        assertEquals(4, upstreams.calls("fake/solo"), "a whole cool-down later, one more trial");
    }

    @Test
    void requestFaults_doNotCoolADeploymentDown() {
        Router router = router(PAIR);
        Upstreams upstreams = new Upstreams().always("fake/solo", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED));

        for (int i = 0; i < 4; i++) {
            RelayException e = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
            assertEquals(ErrorKind.CONTEXT_WINDOW_EXCEEDED, e.kind());
        }
        assertEquals(4, upstreams.calls("fake/solo"));
    }

    @Test
    void retries_stopOnceTheDeploymentCoolsDown() {
        Router router = router("""
                model_list:
                  - model_name: g
                    litellm_params: {model: fake/a, weight: 1000000}
                  - model_name: g
                    litellm_params: {model: fake/b, weight: 0.000001}
                router_settings: {num_retries: 3, allowed_fails: 2, cooldown_time: 30}
                """);
        Upstreams upstreams = new Upstreams().always("fake/a", fail(ErrorKind.PROVIDER_ERROR, java.util.Map.of("retry-after-ms", "10")));

        assertEquals("fake/b", router.run(plan("g"), trace(), upstreams).deployment().id());
        assertEquals(2, upstreams.calls("fake/a"), "skipped from its allowed_fails-th failure on, retries included");
    }

    /** A deployment with a generous timeout of its own, alone in its group, that cools down after two failures. */
    static final String SLOW = """
            model_list:
              - model_name: slow
                litellm_params: {model: fake/slow, timeout: 30}
              - model_name: short
                litellm_params: {model: fake/short, timeout: 0.3}
            router_settings: {num_retries: 0, allowed_fails: 2, cooldown_time: 60}
            """;

    static Router.Plan planWithin(String model, long millis) {
        return new Router.Plan(model, List.of(), null, java.time.Instant.now().plusMillis(millis), null);
    }

    @Test
    void timeoutsCausedByTheRequestsOwnDeadline_doNotCoolTheDeploymentDown() {
        Router router = router(SLOW);
        Upstreams upstreams = new Upstreams().script("fake/slow", Upstreams.slow(60_000), Upstreams.slow(60_000), Upstreams.slow(60_000));

        for (int i = 0; i < 3; i++) {
            RelayException e = assertThrows(RelayException.class, () -> router.run(planWithin("slow", 1_000), trace(), upstreams));
            assertEquals(ErrorKind.REQUEST_TIMEOUT, e.kind(), e.getMessage());
        }

        RequestTrace next = trace();
        assertEquals("answer from fake/slow", router.run(plan("slow"), next, upstreams).value(),
                "another client's plain request is served, not told the deployment is cooling down");
        assertEquals(4, upstreams.calls("fake/slow"));
    }

    @Test
    void timeoutsOfTheDeploymentsOwnLimit_stillCoolItDown() {
        Router router = router(SLOW);
        Upstreams upstreams = new Upstreams().always("fake/short", Upstreams.slow(60_000));
        assertThrows(RelayException.class, () -> router.run(plan("short"), trace(), upstreams));
        assertThrows(RelayException.class, () -> router.run(plan("short"), trace(), upstreams));

        RelayException e = assertThrows(RelayException.class, () -> router.run(plan("short"), trace(), upstreams));

        assertEquals(ErrorKind.RATE_LIMIT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("cooling down"), e.getMessage());
        assertEquals(2, upstreams.calls("fake/short"));
    }

    @Test
    void aClientThatHangsUp_doesNotCoolTheDeploymentDown() {
        Router router = router(PAIR);
        Upstreams upstreams = new Upstreams().script("fake/solo", fail(ErrorKind.CLIENT_CLOSED), fail(ErrorKind.CLIENT_CLOSED),
                fail(ErrorKind.CLIENT_CLOSED));
        for (int i = 0; i < 3; i++) {
            RelayException e = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));
            assertEquals(ErrorKind.CLIENT_CLOSED, e.kind());
        }

        assertEquals("answer from fake/solo", router.run(plan("solo"), trace(), upstreams).value());
        assertEquals(4, upstreams.calls("fake/solo"));
    }
}
