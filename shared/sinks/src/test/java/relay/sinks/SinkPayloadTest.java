package relay.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.sinks.Records.ANSWER;
import static relay.sinks.Records.PROMPT;
import static relay.sinks.Records.TIME;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLog;
import relay.testing.FakeHelicone;
import relay.testing.FakeMixpanel;
import relay.testing.FakePostHog;
import relay.testing.FakeSentry;
import relay.testing.FakeSinkServer;
import relay.testing.FakeSupabase;

/**
 * What each sink sends, checked at a real HTTP server that answers as the vendor does: path, headers
 * and body fields, per the vendor's documented API.
 */
class SinkPayloadTest {
    static final String SUCCESS_ID = "0b8f3c4e-9f6a-4d2b-8a55-3c1e2f4d5a6b";
    static final String FAILURE_ID = "req-failed-1";
    /** No sink here is slow on purpose: the timeout only has to be far above a loaded machine's answer time. */
    static final Dispatcher.Options FAST = new Dispatcher.Options(Duration.ofSeconds(30), 3, Duration.ofMillis(10), 4);

    static List<Dispatcher.Failure> deliver(String sink, KeyStore keys, List<RequestLog> logs) {
        Sink s = Sinks.named(sink, keys, Clock.systemUTC()).orElseThrow();
        return new Dispatcher(List.of(new Dispatcher.Route(s, true, true)), true, Sinks.httpClient(), FAST).deliver(logs);
    }

    static List<RequestLog> both() {
        return List.of(Records.success(SUCCESS_ID), Records.failure(FAILURE_ID));
    }

    @Test
    void supabase_upsertsOneRowPerRequest_intoLiteLlmsRequestLogsTable_withTheKeyInApikeyAndBearer() {
        try (FakeSupabase supabase = FakeSupabase.start("request_logs", "service-role-key")) {
            KeyStore keys = Records.keys(Map.of("SUPABASE_URL", supabase.baseUrl(), "SUPABASE_KEY", "service-role-key"));

            List<Dispatcher.Failure> failures = deliver("supabase", keys, both());

            assertEquals(List.of(), failures);
            assertEquals(1, supabase.requests().size(), "both rows in one bulk request");
            FakeSinkServer.Recorded request = supabase.requests().get(0);
            assertEquals("POST", request.method());
            assertEquals("/rest/v1/request_logs", request.path());
            assertEquals("on_conflict=litellm_call_id", request.query());
            assertEquals("service-role-key", request.header("apikey"));
            assertEquals("Bearer service-role-key", request.header("authorization"));
            assertEquals("application/json", request.header("content-type"));
            assertEquals(Set.of("return=minimal", "resolution=merge-duplicates"), Set.of(request.header("prefer").split(",")));
            assertEquals(201, request.status());

            JsonNode success = request.json().get(0);
            Set<String> columns = new HashSet<>();
            success.fieldNames().forEachRemaining(columns::add);
            assertEquals(Set.of("litellm_call_id", "created_at", "model", "messages", "response", "end_user", "status", "error",
                    "response_time", "total_cost", "additional_details"), columns);
            assertEquals(SUCCESS_ID, success.get("litellm_call_id").asText());
            assertEquals(TIME.toString(), success.get("created_at").asText());
            assertEquals("gpt-4o", success.get("model").asText());
            assertEquals(PROMPT, success.at("/messages/0/content").asText());
            assertEquals(ANSWER, success.get("response").asText());
            assertEquals("user-7", success.get("end_user").asText());
            assertEquals("success", success.get("status").asText());
            assertTrue(success.get("error").isNull());
            assertEquals(0.84, success.get("response_time").asDouble(), 1e-9);
            assertEquals(0.00042, success.get("total_cost").asDouble(), 1e-12);
            assertEquals("openai/gpt-4o", success.at("/additional_details/deployment").asText());
            assertEquals("team-a", success.at("/additional_details/caller/key_alias").asText());

            JsonNode failure = request.json().get(1);
            assertEquals("failure", failure.get("status").asText());
            assertEquals(503, failure.at("/error/status").asInt());
            assertEquals("api_error", failure.at("/error/type").asText());
            assertEquals("provider_unavailable", failure.at("/error/code").asText());
            assertTrue(failure.get("response").isNull());

            deliver("supabase", keys, both());
            assertEquals(2, supabase.rows().size(), "delivered twice (a retry), still one row per request");
        }
    }

    @Test
    void supabase_writesToTheConfiguredTable() {
        try (FakeSupabase supabase = FakeSupabase.start("litellm_logs", "k")) {
            KeyStore keys = Records.keys(Map.of("SUPABASE_URL", supabase.baseUrl() + "/", "SUPABASE_KEY", "k",
                    "SUPABASE_TABLE", "litellm_logs"));

            assertEquals(List.of(), deliver("supabase", keys, both()));
            assertEquals("/rest/v1/litellm_logs", supabase.requests().get(0).path());
        }
    }

    @Test
    void posthog_sendsAiGenerationEventsToBatch_withTheProjectKeyInTheBody() {
        try (FakePostHog posthog = FakePostHog.start("phc_project")) {
            KeyStore keys = Records.keys(Map.of("POSTHOG_API_KEY", "phc_project", "POSTHOG_API_URL", posthog.baseUrl()));

            assertEquals(List.of(), deliver("posthog", keys, both()));

            assertEquals(1, posthog.requests().size());
            FakeSinkServer.Recorded request = posthog.requests().get(0);
            assertEquals("/batch/", request.path());
            assertNull(request.header("authorization"), "PostHog takes the key in the body only");
            assertEquals("phc_project", request.json().get("api_key").asText());
            assertEquals(2, request.json().get("batch").size());

            JsonNode success = request.json().at("/batch/0");
            assertEquals("$ai_generation", success.get("event").asText());
            assertEquals("user-7", success.get("distinct_id").asText());
            assertEquals(TIME.toString(), success.get("timestamp").asText());
            assertEquals(SUCCESS_ID, success.get("uuid").asText(), "a UUID request id is the event's uuid: retries dedupe");
            JsonNode p = success.get("properties");
            assertEquals(SUCCESS_ID, p.get("$ai_trace_id").asText());
            assertEquals("gpt-4o", p.get("$ai_model").asText());
            assertEquals("openai", p.get("$ai_provider").asText());
            assertEquals(12, p.get("$ai_input_tokens").asInt());
            assertEquals(30, p.get("$ai_output_tokens").asInt());
            assertEquals(0.84, p.get("$ai_latency").asDouble(), 1e-9);
            assertEquals(200, p.get("$ai_http_status").asInt());
            assertFalse(p.get("$ai_is_error").asBoolean());
            assertEquals(0.00042, p.get("$ai_total_cost_usd").asDouble(), 1e-12);
            assertEquals(PROMPT, p.at("/$ai_input/0/content").asText());
            assertEquals(ANSWER, p.at("/$ai_output_choices/0/content").asText());
            assertEquals("demo", p.at("/caller/metadata/project").asText(), "the record's own fields ride along");
            assertFalse(p.has("$process_person_profile"));

            JsonNode failure = request.json().at("/batch/1");
            assertEquals(FAILURE_ID, failure.get("distinct_id").asText(), "no user: the trace id, without a person profile");
            assertFalse(failure.get("properties").get("$process_person_profile").asBoolean());
            assertTrue(failure.at("/properties/$ai_is_error").asBoolean());
            assertEquals(503, failure.at("/properties/$ai_http_status").asInt());
            assertEquals(2, posthog.events().size());
        }
    }

    @Test
    void posthog_embeddingsAreAiEmbeddingEvents() {
        RequestLog success = Records.success(SUCCESS_ID);
        RequestLog embedding = new RequestLog(success.requestId(), success.time(), "POST /v1/embeddings", success.requestedModel(),
                "openai/text-embedding-3-small", 200, 40, 8, null, 8, false, null, null, success.expiresAt());

        assertEquals("$ai_embedding", PostHogSink.event(SinkEvent.of(embedding, true)).get("event").asText());
    }

    @Test
    void mixpanel_tracksOneEventPerRequest_withTokenInsertIdAndMillisecondTime_andNoMessageText() {
        try (FakeMixpanel mixpanel = FakeMixpanel.start("mp-token")) {
            KeyStore keys = Records.keys(Map.of("MIXPANEL_PROJECT_TOKEN", "mp-token", "MIXPANEL_API_URL", mixpanel.baseUrl()));

            assertEquals(List.of(), deliver("mixpanel", keys, both()));

            FakeSinkServer.Recorded request = mixpanel.requests().get(0);
            assertEquals("/track", request.path());
            assertTrue(request.query().contains("ip=0") && request.query().contains("verbose=1"), request.query());
            assertEquals("application/json", request.header("content-type"));
            JsonNode success = request.json().get(0);
            assertEquals("LLM Request", success.get("event").asText());
            JsonNode p = success.get("properties");
            assertEquals("mp-token", p.get("token").asText());
            assertEquals("user-7", p.get("distinct_id").asText());
            assertEquals(TIME.toEpochMilli(), p.get("time").asLong());
            assertEquals(SUCCESS_ID, p.get("$insert_id").asText());
            assertEquals("gpt-4o", p.get("model").asText());
            assertEquals("openai/gpt-4o", p.get("deployment").asText());
            assertEquals(42, p.get("total_tokens").asInt());
            assertTrue(p.get("success").asBoolean());
            JsonNode failure = request.json().get(1);
            assertEquals("", failure.at("/properties/distinct_id").asText(), "no user: an event tied to no one");
            assertEquals(FAILURE_ID, failure.at("/properties/$insert_id").asText());
            assertFalse(request.body().contains(PROMPT) || request.body().contains(ANSWER));

            deliver("mixpanel", keys, both());
            assertEquals(2, mixpanel.events().size(), "a redelivery is deduplicated on $insert_id");
        }
    }

    @Test
    void mixpanel_aRejectedTokenIsAFailure_notRetried() {
        try (FakeMixpanel mixpanel = FakeMixpanel.start("right")) {
            KeyStore keys = Records.keys(Map.of("MIXPANEL_PROJECT_TOKEN", "wrong", "MIXPANEL_API_URL", mixpanel.baseUrl()));

            List<Dispatcher.Failure> failures = deliver("mixpanel", keys, both());

            assertEquals(2, failures.size());
            assertEquals(1, mixpanel.requests().size());
            assertTrue(failures.get(0).reason().contains("token"), failures.get(0).reason());
        }
    }

    @Test
    void sentry_sendsAnErrorEventForFailuresOnly_asAnEnvelope_authenticatedWithTheDsnKey() {
        try (FakeSentry sentry = FakeSentry.start("42", "publickey123")) {
            KeyStore keys = Records.keys(Map.of("SENTRY_DSN", sentry.dsn(), "SENTRY_ENVIRONMENT", "staging"));

            assertEquals(List.of(), deliver("sentry", keys, both()));

            assertEquals(1, sentry.requests().size(), "the success is not Sentry's");
            FakeSinkServer.Recorded request = sentry.requests().get(0);
            assertEquals("/api/42/envelope/", request.path());
            assertEquals("application/x-sentry-envelope", request.header("content-type"));
            String auth = request.header("x-sentry-auth");
            assertTrue(auth.startsWith("Sentry ") && auth.contains("sentry_version=7") && auth.contains("sentry_key=publickey123")
                    && auth.contains("sentry_client=relay-log-forwarder/"), auth);
            JsonNode event = sentry.events().get(0);
            assertTrue(event.get("event_id").asText().matches("[0-9a-f]{32}"));
            assertEquals(event.get("event_id").asText(), sentry.envelopeHeaders().get(0).get("event_id").asText());
            assertEquals("error", event.get("level").asText());
            assertEquals("staging", event.get("environment").asText());
            assertEquals(TIME.toString(), event.get("timestamp").asText());
            assertEquals("gpt-4o", event.at("/tags/model").asText());
            assertEquals("openai/gpt-4o", event.at("/tags/deployment").asText());
            assertEquals("503", event.at("/tags/status").asText());
            assertEquals("provider_unavailable", event.at("/tags/error_code").asText());
            assertEquals("provider_unavailable", event.at("/exception/values/0/type").asText());
            assertEquals(FAILURE_ID, event.at("/extra/request_id").asText());
            assertFalse(event.at("/extra").has("caller"), "no user data");
            assertFalse(request.body().contains(PROMPT), "no message text");
            assertFalse(request.body().contains("publickey123"), "the key travels in the header only");
        }
    }

    @Test
    void sentryDsn_givesTheEnvelopeEndpointAndKeys() {
        var dsn = SentrySink.Dsn.parse("https://abc:def@o123.ingest.sentry.io:8443/prefix/4505");

        assertEquals("https://o123.ingest.sentry.io:8443/prefix/api/4505/envelope/", dsn.envelopeUri().toString());
        assertEquals("abc", dsn.publicKey());
        assertEquals("def", dsn.secretKey());
        assertEquals("https://o1.ingest.us.sentry.io/api/7/envelope/",
                SentrySink.Dsn.parse("https://k@o1.ingest.us.sentry.io/7").envelopeUri().toString());
    }

    @Test
    void helicone_logsEachRequestToTheCustomLogApi_withProviderRequestResponseAndTiming() {
        try (FakeHelicone helicone = FakeHelicone.start("sk-helicone-abc")) {
            KeyStore keys = Records.keys(Map.of("HELICONE_API_KEY", "sk-helicone-abc", "HELICONE_API_BASE", helicone.baseUrl()));

            assertEquals(List.of(), deliver("helicone", keys, both()));

            assertEquals(2, helicone.requests().size(), "one log per request");
            FakeSinkServer.Recorded request = helicone.requests().stream()
                    .filter(r -> r.body().contains(SUCCESS_ID)).findFirst().orElseThrow();
            assertEquals("/custom/v1/log", request.path());
            assertEquals("Bearer sk-helicone-abc", request.header("authorization"));
            assertEquals("application/json", request.header("content-type"));
            JsonNode log = request.json();
            assertEquals("custom-model-nopath", log.at("/providerRequest/url").asText());
            assertEquals("gpt-4o", log.at("/providerRequest/json/model").asText());
            assertEquals(PROMPT, log.at("/providerRequest/json/messages/0/content").asText());
            assertEquals("user-7", log.at("/providerRequest/meta/Helicone-User-Id").asText());
            assertEquals(SUCCESS_ID, log.at("/providerRequest/meta/Helicone-Request-Id").asText());
            assertEquals("openai/gpt-4o", log.at("/providerRequest/meta/Helicone-Property-Deployment").asText());
            assertEquals("demo", log.at("/providerRequest/meta/Helicone-Property-project").asText());
            assertEquals(200, log.at("/providerResponse/status").asInt());
            assertEquals(42, log.at("/providerResponse/json/usage/total_tokens").asInt());
            assertEquals(ANSWER, log.at("/providerResponse/json/choices/0/message/content").asText());
            assertEquals(TIME.getEpochSecond(), log.at("/timing/startTime/seconds").asLong());
            assertEquals(250, log.at("/timing/startTime/milliseconds").asInt());
            assertEquals(TIME.getEpochSecond() + 1, log.at("/timing/endTime/seconds").asLong(), "250 ms + 840 ms latency");
            assertEquals(90, log.at("/timing/endTime/milliseconds").asInt());

            JsonNode failed = helicone.requests().stream().filter(r -> r.body().contains(FAILURE_ID)).findFirst().orElseThrow().json();
            assertEquals(503, failed.at("/providerResponse/status").asInt());
            assertEquals("provider_unavailable", failed.at("/providerResponse/json/error/code").asText());
        }
    }
}
