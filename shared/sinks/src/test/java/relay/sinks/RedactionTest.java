package relay.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.sinks.Records.ANSWER;
import static relay.sinks.Records.PROMPT;
import static relay.sinks.Records.PROVIDER_KEY;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.keys.KeyStore;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;
import relay.testing.FakeHelicone;
import relay.testing.FakeMixpanel;
import relay.testing.FakePostHog;
import relay.testing.FakeSentry;
import relay.testing.FakeSinkServer;
import relay.testing.FakeSupabase;

/** No key or secret reaches any sink; with turn_off_message_logging no message text does either. */
class RedactionTest {
    static final String SECRET_IN_METADATA = "metadata-secret-value-991";
    static final String BEARER_TOKEN = "tok3nVALUEinTEXT12345";
    static final String ERROR_TEXT = "the model refused: " + PROMPT;

    List<FakeSinkServer> fakes = new ArrayList<>();
    KeyStore keys;

    @BeforeEach
    void start() {
        FakeSupabase supabase = FakeSupabase.start("request_logs", "sb-key");
        FakePostHog posthog = FakePostHog.start("phc_key");
        FakeMixpanel mixpanel = FakeMixpanel.start("mp-token");
        FakeSentry sentry = FakeSentry.start("7", "pub");
        FakeHelicone helicone = FakeHelicone.start("hc-key");
        fakes.addAll(List.of(supabase, posthog, mixpanel, sentry, helicone));
        Map<String, String> values = new HashMap<>();
        values.put("SUPABASE_URL", supabase.baseUrl());
        values.put("SUPABASE_KEY", "sb-key");
        values.put("POSTHOG_API_KEY", "phc_key");
        values.put("POSTHOG_API_URL", posthog.baseUrl());
        values.put("MIXPANEL_PROJECT_TOKEN", "mp-token");
        values.put("MIXPANEL_API_URL", mixpanel.baseUrl());
        values.put("SENTRY_DSN", sentry.dsn());
        values.put("HELICONE_API_KEY", "hc-key");
        values.put("HELICONE_API_BASE", helicone.baseUrl());
        keys = Records.keys(values);
    }

    @AfterEach
    void stop() {
        fakes.forEach(FakeSinkServer::close);
    }

    /** A record carrying secrets where a careless caller could put them: metadata, error text, bodies. */
    static RequestLog leaky(String id, int status) {
        RequestLog base = status == 200 ? Records.success(id) : Records.failure(id);
        Map<String, String> metadata = Map.of(
                "project", "demo",
                "openai_api_key", SECRET_IN_METADATA,
                "session_token", SECRET_IN_METADATA,
                "note", "Authorization: Bearer " + BEARER_TOKEN,
                "pasted", "my key is " + PROVIDER_KEY);
        String requestBody = "{\"model\":\"gpt-4o\",\"api_key\":\"" + SECRET_IN_METADATA + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + PROMPT + " " + PROVIDER_KEY + "\"}]}";
        return new RequestLog(id, base.time(), base.route(),
                new RequestLog.Caller("3f1a9c", "team-a", "user-7", metadata),
                base.requestedModel(), base.deployment(), base.provider(), status, base.latencyMillis(),
                base.providerLatencyMillis(), base.promptTokens(), base.completionTokens(), base.totalTokens(), base.costUsd(),
                false, "miss", base.errorType(), base.errorCode(), status == 200 ? null : ERROR_TEXT + " " + PROVIDER_KEY,
                List.of(new Attempt("openai/gpt-4o", status, base.errorCode(), "upstream said " + PROVIDER_KEY + " " + PROMPT, 10)),
                new RequestLog.Bodies(requestBody, status == 200 ? Records.RESPONSE_BODY : null, false), base.expiresAt());
    }

    List<String> sentBodies(boolean logMessages) {
        SinkSettings settings = new SinkSettings(Sinks.NAMES, Sinks.NAMES, !logMessages);
        Dispatcher dispatcher = new Dispatcher(Sinks.routes(settings, keys, Clock.systemUTC()), !settings.turnOffMessageLogging(),
                Sinks.httpClient(), new Dispatcher.Options(Duration.ofSeconds(30), 1, Duration.ZERO, 4));
        assertEquals(List.of(), dispatcher.deliver(List.of(leaky("ok-1", 200), leaky("bad-1", 503))));
        List<String> bodies = new ArrayList<>();
        fakes.forEach(f -> f.requests().forEach(r -> bodies.add(r.body())));
        assertEquals(1 + 1 + 1 + 1 + 2, bodies.size(), "supabase, posthog, mixpanel (bulk), sentry (failure), helicone (each)");
        return bodies;
    }

    @Test
    void turnOffMessageLogging_noMessageTextNoKeyNoSecret_inAnyPayload() {
        for (String body : sentBodies(false)) {
            for (String forbidden : List.of(PROMPT, ANSWER, PROVIDER_KEY, SECRET_IN_METADATA, BEARER_TOKEN, "upstream said")) {
                assertFalse(body.contains(forbidden), "'" + forbidden + "' in " + body);
            }
            assertFalse(body.contains("openai_api_key") || body.contains("session_token"), body);
        }
    }

    @Test
    void messageLoggingOn_bodiesReachTheSinksThatTakeThem_stillWithoutKeys() {
        List<String> bodies = sentBodies(true);

        for (String body : bodies) {
            for (String forbidden : List.of(PROVIDER_KEY, SECRET_IN_METADATA, BEARER_TOKEN)) {
                assertFalse(body.contains(forbidden), "'" + forbidden + "' in " + body);
            }
        }
        long withPrompt = bodies.stream().filter(b -> b.contains(PROMPT)).count();
        assertTrue(withPrompt >= 4, "supabase, posthog, helicone x2 carry the messages; got " + withPrompt);
        assertTrue(bodies.stream().anyMatch(b -> b.contains(ANSWER)));
        assertTrue(bodies.stream().anyMatch(b -> b.contains("demo")), "harmless metadata is kept");
    }

    @Test
    void sensitiveFieldNames_areRecognisedButCountsAndHashesAreNot() {
        for (String name : List.of("api_key", "openai_api_key", "apiKey", "secret", "client_secret", "password", "authorization",
                "access_token", "token", "x-api-key", "private_key", "cookie", "stripe_key")) {
            assertTrue(SinkEvent.sensitive(name), name);
        }
        for (String name : List.of("key_hash", "key_alias", "prompt_tokens", "total_tokens", "max_tokens", "monkey", "route",
                "project")) {
            assertFalse(SinkEvent.sensitive(name), name);
        }
    }
}
