package relay.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLog;
import relay.testing.FakeHelicone;
import relay.testing.FakeMixpanel;
import relay.testing.FakePostHog;
import relay.testing.FakeSentry;
import relay.testing.FakeSinkServer;
import relay.testing.FakeSupabase;

/** Delivery: every sink at once, a timeout and retries per sink, failures returned, one sink's trouble its own. */
class DispatcherTest {
    /** A timeout no healthy fake comes near, however loaded the machine: only a scripted failure makes a call fail. */
    static final Dispatcher.Options OPTIONS = new Dispatcher.Options(Duration.ofSeconds(30), 3, Duration.ofMillis(10), 8);
    /**
     * For the tests of a hung sink, whose call must time out. The healthy sinks get the same timeout: their assertions
     * hold when one of their calls also times out and is retried (they need one of their tries answered in 2 s).
     */
    static final Dispatcher.Options HANG_OPTIONS = new Dispatcher.Options(Duration.ofSeconds(2), 3, Duration.ofMillis(10), 8);
    /** Longer than any test: the hung call is answered only after the test has ended. */
    static final FakeSinkServer.Reply HUNG = new FakeSinkServer.Reply.Slow(Duration.ofMinutes(2));

    FakeSupabase supabase;
    FakePostHog posthog;
    FakeMixpanel mixpanel;
    FakeSentry sentry;
    FakeHelicone helicone;
    KeyStore keys;

    @BeforeEach
    void start() {
        supabase = FakeSupabase.start("request_logs", "sb-key");
        posthog = FakePostHog.start("phc_key");
        mixpanel = FakeMixpanel.start("mp-token");
        sentry = FakeSentry.start("7", "pub");
        helicone = FakeHelicone.start("hc-key");
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
        List.of(supabase, posthog, mixpanel, sentry, helicone).forEach(FakeSinkServer::close);
    }

    Dispatcher allSinks(KeyStore keys) {
        return allSinks(keys, OPTIONS);
    }

    Dispatcher allSinks(KeyStore keys, Dispatcher.Options options) {
        SinkSettings settings = new SinkSettings(List.of("supabase", "posthog", "mixpanel", "helicone"),
                List.of("supabase", "posthog", "mixpanel", "sentry", "helicone"), false);
        return new Dispatcher(Sinks.routes(settings, keys, Clock.systemUTC()), true, Sinks.httpClient(), options);
    }

    static List<RequestLog> records() {
        return List.of(Records.success("r-1"), Records.success("r-2"), Records.failure("r-3"));
    }

    @Test
    void everySinkGetsWhatItsCallbackListSays() {
        List<Dispatcher.Failure> failures = allSinks(keys).deliver(records());

        assertEquals(List.of(), failures);
        assertEquals(3, supabase.rows().size());
        assertEquals(3, posthog.events().size());
        assertEquals(3, mixpanel.events().size());
        assertEquals(1, sentry.events().size(), "failures only");
        assertEquals(3, helicone.logs().size());
    }

    @Test
    void successOnlyCallbacks_doNotGetFailures() {
        SinkSettings settings = new SinkSettings(List.of("posthog"), List.of(), false);
        new Dispatcher(Sinks.routes(settings, keys, Clock.systemUTC()), true, Sinks.httpClient(), OPTIONS).deliver(records());

        assertEquals(List.of("r-1", "r-2"), posthog.events().stream().map(e -> e.at("/properties/request_id").asText()).toList());
    }

    @Test
    void aSinkAnswering500_isRetried_andTheDeliverySucceeds() {
        posthog.failNext(2, 500);

        List<Dispatcher.Failure> failures = allSinks(keys).deliver(records());

        assertEquals(List.of(), failures);
        assertEquals(3, posthog.requests().size(), "two failures, then the retry that worked");
        assertEquals(3, posthog.events().size());
    }

    @Test
    void aSinkThatStaysDown_failsEachOfItsRecordsAfterAllTries_whileTheOthersReceiveEverything() {
        supabase.failNext(100, 503);

        List<Dispatcher.Failure> failures = allSinks(keys).deliver(records());

        assertEquals(3, failures.size());
        assertTrue(failures.stream().allMatch(f -> f.sink().equals("supabase") && f.attempts() == 3), failures.toString());
        assertTrue(failures.get(0).reason().contains("HTTP 503"), failures.get(0).reason());
        assertEquals(3, supabase.requests().size(), "one bulk request, tried three times");
        assertEquals(3, posthog.events().size());
        assertEquals(3, mixpanel.events().size());
        assertEquals(1, sentry.events().size());
        assertEquals(3, helicone.logs().size());
    }

    @Test
    void aSinkThatHangs_timesOutAndIsRetried_withoutHoldingUpTheOthers() {
        helicone.enqueue(HUNG);

        List<Dispatcher.Failure> failures = allSinks(keys, HANG_OPTIONS).deliver(List.of(Records.success("r-1")));

        // the hung call is still unanswered (its reply comes after the test): delivery returned because it was abandoned
        assertEquals(List.of(), failures, "the hung call was abandoned at the timeout and the retry delivered");
        assertEquals(1, helicone.requests().size(), "only the retry was answered");
        assertEquals(1, helicone.logs().size());
        assertEquals(List.of("r-1"), posthog.events().stream().map(e -> e.at("/properties/request_id").asText()).distinct().toList(),
                "the other sinks got the record (a retry of theirs, if the machine is slow, sends it again)");
        assertTrue(!supabase.rows().isEmpty() && !mixpanel.events().isEmpty());
    }

    @Test
    void aSinkThatAlwaysHangs_failsWithATimeoutReason() {
        for (int i = 0; i < 3; i++) mixpanel.enqueue(HUNG);

        List<Dispatcher.Failure> failures = allSinks(keys, HANG_OPTIONS).deliver(List.of(Records.success("r-1")));

        assertEquals(1, failures.size(), "only mixpanel's delivery failed: " + failures);
        assertEquals("mixpanel", failures.get(0).sink());
        assertEquals(3, failures.get(0).attempts());
        assertTrue(failures.get(0).reason().contains("did not answer within 2000 ms"), failures.get(0).reason());
        assertEquals(List.of(), mixpanel.requests(), "no try was answered");
        assertTrue(!supabase.rows().isEmpty(), "the other sinks got the record");
    }

    @Test
    void aClientError_isNotRetried() {
        KeyStore wrongKey = name -> name.equals("HELICONE_API_KEY") ? java.util.Optional.of("wrong") : keys.find(name);

        List<Dispatcher.Failure> failures = allSinks(wrongKey).deliver(List.of(Records.success("r-1")));

        assertEquals(1, failures.size());
        assertEquals(1, failures.get(0).attempts());
        assertTrue(failures.get(0).reason().contains("HTTP 401"), failures.get(0).reason());
        assertEquals(1, helicone.requests().size());
    }

    @Test
    void aSinkWithoutItsKey_failsAtOnce_namingTheMissingKey_withoutAnyRequest() {
        KeyStore noSupabaseKey = name -> name.equals("SUPABASE_KEY") ? java.util.Optional.empty() : keys.find(name);

        List<Dispatcher.Failure> failures = allSinks(noSupabaseKey).deliver(List.of(Records.success("r-1")));

        assertEquals(1, failures.size());
        assertTrue(failures.get(0).reason().contains("SUPABASE_KEY"), failures.get(0).reason());
        assertEquals(0, supabase.requests().size());
        assertEquals(1, posthog.events().size());
    }

    @Test
    void anUnreachableSink_isRetriedThenFails() {
        String url = supabase.baseUrl();
        supabase.close();
        KeyStore keys = name -> name.equals("SUPABASE_URL") ? java.util.Optional.of(url) : this.keys.find(name);

        List<Dispatcher.Failure> failures = allSinks(keys).deliver(List.of(Records.success("r-1")));

        assertEquals(1, failures.size());
        assertEquals(3, failures.get(0).attempts());
        assertTrue(failures.get(0).reason().contains("unreachable"), failures.get(0).reason());
    }

    @Test
    void aKeyStoreOutage_isARetryableFailure() {
        KeyStore down = name -> {
            throw new IllegalStateException("Secrets Manager unavailable");
        };

        List<Dispatcher.Failure> failures = allSinks(down).deliver(List.of(Records.failure("r-1")));

        assertEquals(5, failures.size());
        assertTrue(failures.stream().allMatch(f -> f.attempts() == 3 && f.reason().contains("key store")), failures.toString());
    }

    @Test
    void manyRecords_areChunkedIntoTheVendorsBatchSizes() {
        List<RequestLog> many = new java.util.ArrayList<>();
        for (int i = 0; i < 250; i++) many.add(Records.success("bulk-" + i));

        SinkSettings settings = new SinkSettings(List.of("supabase", "posthog", "helicone"), List.of(), false);
        Dispatcher patient = new Dispatcher(Sinks.routes(settings, keys, Clock.systemUTC()), true, Sinks.httpClient(),
                new Dispatcher.Options(Duration.ofSeconds(10), 3, Duration.ofMillis(10), 8));

        assertEquals(List.of(), patient.deliver(many));

        assertEquals(List.of(100, 100, 50), supabase.requests().stream().map(r -> r.json().size()).sorted(java.util.Comparator.reverseOrder()).toList());
        assertEquals(250, supabase.rows().size());
        assertEquals(3, posthog.requests().size());
        assertEquals(250, helicone.logs().size(), "one log per request");
    }
}
