package relay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.core.routing.Upstreams.fail;
import static relay.core.routing.Upstreams.plan;
import static relay.core.routing.Upstreams.trace;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.log.Attempt;

/** The router's reliability rules, each against scripted deployments and real waiting. */
class RouterTest {
    static final String GROUPS = """
            model_list:
              - model_name: gpt-4
                litellm_params: {model: fake/gpt-4}
              - model_name: llama2
                litellm_params: {model: fake/llama2}
              - model_name: big
                litellm_params: {model: fake/big}
              - model_name: safe
                litellm_params: {model: fake/safe}
              - model_name: claude
                litellm_params: {model: fake/claude}
              - model_name: solo
                litellm_params: {model: fake/solo}
            router_settings:
              num_retries: %d
              allowed_fails: 1000
              fallbacks: [{gpt-4: [llama2]}, {big: [no-such-group, claude]}]
              context_window_fallbacks: [{gpt-4: [big]}]
              content_policy_fallbacks: [{gpt-4: [safe]}]
            """;

    static Router router(int numRetries) {
        return Upstreams.router(GROUPS.formatted(numRetries), 1);
    }

    static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }

    // ---- retries ----

    @Test
    void backoffJitter_comesFromTheRoutersRandomSource_soARestoreReseedsIt() {
        var config = relay.core.config.RelayConfig.parse("router_settings: {num_retries: 2}");
        var models = new relay.core.provider.ModelRouter(config, java.util.List.of(), java.time.Duration.ofSeconds(5));
        java.util.function.DoubleFunction<Router> withNext = value -> new Router(models, RouterPolicy.from(config),
                java.time.Clock.systemUTC(), new java.util.random.RandomGenerator() {
                    @Override public long nextLong() { return 0; }
                    @Override public double nextDouble() { return value; }
                });

        assertEquals(java.time.Duration.ofMillis(200), withNext.apply(0.0).backoff(1), "0.8 x the 250 ms base");
        assertEquals(java.time.Duration.ofMillis(300), withNext.apply(1.0).backoff(1), "1.2 x the 250 ms base");
    }

    @Test
    void retryable_isRetriedOnTheSameDeployment_withExponentialBackoffAndJitter() {
        Upstreams upstreams = new Upstreams().script("fake/gpt-4",
                fail(ErrorKind.PROVIDER_UNAVAILABLE), fail(ErrorKind.PROVIDER_ERROR));
        RequestTrace trace = trace();

        var routed = router(2).run(plan("gpt-4"), trace, upstreams);

        assertEquals("fake/gpt-4", routed.deployment().id());
        assertEquals(3, upstreams.calls("fake/gpt-4"));
        assertEquals(0, upstreams.calls("fake/llama2"));
        List<Upstreams.Call> calls = upstreams.calls();
        long first = calls.get(1).nanos() - calls.get(0).nanos();
        long second = calls.get(2).nanos() - calls.get(1).nanos();
        // base 250 ms then 500 ms, each ±20 %
        assertTrue(first >= 195_000_000 && first < 400_000_000, "first wait " + ms(first));
        assertTrue(second >= 395_000_000 && second < 700_000_000, "second wait " + ms(second));
        assertEquals(List.of(503, 502, 200), trace.attempts().stream().map(Attempt::status).toList());
    }

    @Test
    void numRetries_defaultsToTwo() {
        Router router = Upstreams.router("""
                model_list:
                  - model_name: solo
                    litellm_params: {model: fake/solo}
                """, 1);
        Upstreams upstreams = new Upstreams().always("fake/solo", fail(ErrorKind.RATE_LIMIT, Map.of("retry-after-ms", "20")));

        RelayException e = assertThrows(RelayException.class, () -> router.run(plan("solo"), trace(), upstreams));

        assertEquals(ErrorKind.RATE_LIMIT, e.kind());
        assertEquals(3, upstreams.calls("fake/solo"));
    }

    @Test
    void numRetries_perRequestOverridesTheConfig() {
        Upstreams upstreams = new Upstreams().always("fake/solo", fail(ErrorKind.PROVIDER_ERROR, Map.of("retry-after-ms", "10")));

        assertThrows(RelayException.class, () -> router(0).run(plan("solo", 4), trace(), upstreams));
        assertEquals(5, upstreams.calls("fake/solo"));

        Upstreams again = new Upstreams().always("fake/solo", fail(ErrorKind.PROVIDER_ERROR));
        assertThrows(RelayException.class, () -> router(3).run(plan("solo", 0), trace(), again));
        assertEquals(1, again.calls("fake/solo"));
    }

    @Test
    void retryAfterMs_isHonoured() {
        Upstreams upstreams = new Upstreams().script("fake/solo", fail(ErrorKind.RATE_LIMIT, Map.of("retry-after-ms", "300")));

        router(1).run(plan("solo"), trace(), upstreams);

        List<Upstreams.Call> calls = upstreams.calls();
        long waited = calls.get(1).nanos() - calls.get(0).nanos();
        assertTrue(waited >= 300_000_000, "waited " + ms(waited)); // at least what was asked; a loaded machine may add more
    }

    @Test
    void retryAfter_longerThanTheTimeLeft_movesOnAtOnce() {
        Upstreams upstreams = new Upstreams().script("fake/gpt-4", fail(ErrorKind.RATE_LIMIT, Map.of("retry-after", "60")));
        long start = System.nanoTime();

        var routed = router(2).run(new Router.Plan("gpt-4", List.of(), null, Instant.now().plusSeconds(5), null), trace(), upstreams);

        assertEquals("fake/llama2", routed.deployment().id());
        assertEquals(1, upstreams.calls("fake/gpt-4"));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "no 60 s wait for a retry that cannot happen in time");
    }

    @Test
    void notRetryable_goesStraightToTheFallback() {
        for (ErrorKind kind : List.of(ErrorKind.AUTHENTICATION, ErrorKind.PERMISSION_DENIED, ErrorKind.NOT_FOUND)) {
            Upstreams upstreams = new Upstreams().script("fake/gpt-4", fail(kind));
            RequestTrace trace = trace();

            var routed = router(2).run(plan("gpt-4"), trace, upstreams);

            assertEquals("fake/llama2", routed.deployment().id(), kind.name());
            assertEquals(1, upstreams.calls("fake/gpt-4"), kind.name());
            assertEquals(1, trace.failedDeployments());
        }
    }

    @Test
    void retryAfter_parsesSecondsMillisAndHttpDates() {
        assertEquals(Duration.ofMillis(1500), Router.retryAfter(new RelayException(ErrorKind.RATE_LIMIT, "x", null,
                Map.of("retry-after-ms", "1500", "retry-after", "9"), null)));
        assertEquals(Duration.ofSeconds(2), Router.retryAfter(new RelayException(ErrorKind.RATE_LIMIT, "x", null,
                Map.of("retry-after", "2"), null)));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        Duration untilDate = Router.retryAfter(new RelayException(ErrorKind.RATE_LIMIT, "x", null, Map.of("retry-after", date), null));
        assertTrue(untilDate.toSeconds() >= 28 && untilDate.toSeconds() <= 30, untilDate.toString());
        assertEquals(Duration.ZERO, Router.retryAfter(new RelayException(ErrorKind.RATE_LIMIT, "x", null,
                Map.of("retry-after", "soon"), null)));
    }

    // ---- fallbacks ----

    @Test
    void contextWindowError_goesToTheContextWindowFallback_notTheGeneralOne() {
        Upstreams upstreams = new Upstreams().script("fake/gpt-4", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED));

        var routed = router(2).run(plan("gpt-4"), trace(), upstreams);

        assertEquals("fake/big", routed.deployment().id());
        assertEquals(1, upstreams.calls("fake/gpt-4"), "not retried");
        assertEquals(0, upstreams.calls("fake/llama2"));
    }

    @Test
    void contentPolicyError_goesToTheContentPolicyFallback() {
        Upstreams upstreams = new Upstreams().script("fake/gpt-4", fail(ErrorKind.CONTENT_POLICY));

        var routed = router(2).run(plan("gpt-4"), trace(), upstreams);

        assertEquals("fake/safe", routed.deployment().id());
        assertEquals(0, upstreams.calls("fake/llama2"));
    }

    @Test
    void requestFallbacks_areTriedBeforeTheConfiguredOnes() {
        Upstreams upstreams = new Upstreams().always("fake/gpt-4", fail(ErrorKind.PROVIDER_ERROR));

        var routed = router(0).run(new Router.Plan("gpt-4", List.of("claude"), null, Instant.now().plusSeconds(29), null),
                trace(), upstreams);

        assertEquals("fake/claude", routed.deployment().id());
        assertEquals(0, upstreams.calls("fake/llama2"));
    }

    @Test
    void disableFallbacks_triesOnlyTheModelsOwnDeployments() {
        Upstreams upstreams = new Upstreams().always("fake/gpt-4", fail(ErrorKind.PROVIDER_ERROR));
        Upstreams contextWindow = new Upstreams().always("fake/gpt-4", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED));

        RelayException e = assertThrows(RelayException.class, () -> router(0).run(new Router.Plan("gpt-4", List.of("claude"),
                null, Instant.now().plusSeconds(29), null, 0, true), trace(), upstreams));
        assertThrows(RelayException.class, () -> router(0).run(new Router.Plan("gpt-4", List.of(),
                null, Instant.now().plusSeconds(29), null, 0, true), trace(), contextWindow));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertEquals(1, upstreams.calls().size(), "no configured, request or context-window fallback: " + upstreams.calls());
        assertEquals(1, contextWindow.calls().size(), contextWindow.calls().toString());
    }

    @Test
    void unknownFallbackGroup_isLoggedAndSkipped() {
        Upstreams upstreams = new Upstreams().always("fake/big", fail(ErrorKind.PROVIDER_ERROR));
        RequestTrace trace = trace();

        var routed = router(0).run(plan("big"), trace, upstreams);

        assertEquals("fake/claude", routed.deployment().id());
        assertTrue(trace.attempts().stream().anyMatch(a -> a.deployment().equals("no-such-group") && a.status() == 404),
                trace.attempts().toString());
    }

    @Test
    void malformedRequest_endsTheChain() {
        Upstreams upstreams = new Upstreams().always("fake/gpt-4", fail(ErrorKind.INVALID_REQUEST));

        RelayException e = assertThrows(RelayException.class, () -> router(2).run(plan("gpt-4"), trace(), upstreams));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(1, upstreams.calls("fake/gpt-4"));
        assertEquals(0, upstreams.calls("fake/llama2"));
    }

    @Test
    void allFailing_isOneErrorWithTheMostTellingStatus_listingEveryAttempt() {
        Upstreams upstreams = new Upstreams()
                .always("fake/gpt-4", fail(ErrorKind.PROVIDER_ERROR))
                .always("fake/llama2", fail(ErrorKind.RATE_LIMIT, Map.of("retry-after", "7")));
        RequestTrace trace = trace();

        RelayException e = assertThrows(RelayException.class, () -> router(0).run(plan("gpt-4"), trace, upstreams));

        assertEquals(ErrorKind.RATE_LIMIT, e.kind(), "a 429 says more than a 502");
        assertEquals("7", e.headers().get("retry-after"));
        assertTrue(e.getMessage().startsWith("All 2 attempts failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("fake/gpt-4 (502 provider_error") && e.getMessage().contains("fake/llama2 (429 rate_limit_exceeded"),
                e.getMessage());
        assertEquals(2, trace.attempts().size());
        assertEquals(2, trace.failedDeployments());
    }

    @Test
    void afterTheStreamStarted_nothingIsRetriedOrFallenBack() {
        AtomicBoolean started = new AtomicBoolean();
        Upstreams upstreams = new Upstreams().script("fake/gpt-4",
                Upstreams.run(d -> started.set(true), fail(ErrorKind.PROVIDER_ERROR)));
        RequestTrace trace = trace();

        RelayException e = assertThrows(RelayException.class, () -> router(2).run(
                new Router.Plan("gpt-4", List.of("claude"), null, Instant.now().plusSeconds(29), started::get), trace, upstreams));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertEquals(1, upstreams.calls().size(), "one call in all");
        assertEquals(1, trace.attempts().size());
    }

    // ---- per-attempt timeout and the deadline ----

    @Test
    void attemptTimeout_coversACallThatIgnoresItsOwnTimeout() {
        Router router = Upstreams.router("""
                model_list:
                  - model_name: g
                    litellm_params: {model: fake/stuck, timeout: 0.3}
                  - model_name: h
                    litellm_params: {model: fake/fine}
                router_settings: {num_retries: 0, fallbacks: [{g: [h]}]}
                """, 1);
        Upstreams upstreams = new Upstreams().always("fake/stuck", Upstreams.slow(600_000)); // never answers in the test
        RequestTrace trace = trace();

        var routed = router.run(plan("g"), trace, upstreams);

        assertEquals("fake/fine", routed.deployment().id());
        assertEquals(Duration.ofMillis(300), upstreams.calls().get(0).timeout());
        Attempt timedOut = trace.attempts().get(0);
        assertEquals(408, timedOut.status());
        assertEquals("timeout", timedOut.errorType());
    }

    @Test
    void deadline_cutsTheChainShort_withATimeoutError() {
        Upstreams upstreams = new Upstreams().always("fake/gpt-4", Upstreams.slow(600_000)); // never answers in the test
        RequestTrace trace = trace();

        // 2 s: the call starts well inside it even on a loaded machine, and ends at it
        RelayException e = assertThrows(RelayException.class, () -> router(2).run(
                new Router.Plan("gpt-4", List.of(), null, Instant.now().plusSeconds(2), null), trace, upstreams));

        assertEquals(ErrorKind.REQUEST_TIMEOUT, e.kind());
        assertEquals(1, upstreams.calls("fake/gpt-4"));
        assertEquals(0, upstreams.calls("fake/llama2"), "no time left for the fallback");
        long given = upstreams.calls().get(0).timeout().toMillis();
        assertTrue(given <= 2000 && given > 0, "the attempt got the time left to the deadline, no more: " + given);
        assertEquals(1, trace.attempts().size());
        assertEquals(408, trace.attempts().get(0).status());
        assertTrue(e.getMessage().contains("fake/gpt-4"), e.getMessage());
    }

    @Test
    void deadline_alreadyTooClose_callsNothing() {
        Upstreams upstreams = new Upstreams();

        RelayException e = assertThrows(RelayException.class, () -> router(2).run(
                new Router.Plan("gpt-4", List.of(), null, Instant.now().plusMillis(100), null), trace(), upstreams));

        assertEquals(ErrorKind.REQUEST_TIMEOUT, e.kind());
        assertTrue(upstreams.calls().isEmpty());
    }

    @Test
    void unknownModel_isModelNotFound() {
        RelayException e = assertThrows(RelayException.class, () -> router(0).run(plan("nope"), trace(), new Upstreams()));
        assertEquals(ErrorKind.MODEL_NOT_FOUND, e.kind());
    }
}
