package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.testing.FakeSecretsManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

class SecretsManagerKeyStoreTest {
    private static final String SECRET_ID = "relay/keys";
    private static final Duration REFRESH = Duration.ofMinutes(5);
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key"));

    private static FakeSecretsManager fake;
    private static SecretsManagerClient client;

    private MutableClock clock;
    private SecretsManagerKeyStore store;

    @BeforeAll
    static void startFake() {
        fake = FakeSecretsManager.start();
        client = AwsClients.secretsManager(Region.US_EAST_1, CREDENTIALS, fake.endpoint());
    }

    @AfterAll
    static void stopFake() {
        if (client != null) client.close();
        if (fake != null) fake.close();
    }

    @BeforeEach
    void newStore() {
        fake.failNext(0);
        clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        store = new SecretsManagerKeyStore(client, SECRET_ID, REFRESH, clock);
    }

    @AfterEach
    void clearFailures() {
        fake.failNext(0);
    }

    @Test
    void theFieldsOfTheJsonSecretAreTheKeys() {
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-openai-1\",\"ANTHROPIC_API_KEY\":\"sk-ant-1\"}");

        assertEquals(Optional.of("sk-openai-1"), store.find("OPENAI_API_KEY"));
        assertEquals(Optional.of("sk-ant-1"), store.find("ANTHROPIC_API_KEY"));
        assertEquals(Optional.empty(), store.find("MISSING_KEY"));
    }

    @Test
    void nothingIsReadBeforeTheFirstLookup() {
        fake.put(SECRET_ID, "{\"K\":\"v\"}");
        int before = fake.calls();
        new SecretsManagerKeyStore(client, SECRET_ID, REFRESH, clock);
        assertEquals(before, fake.calls(), "constructing the store must not read the secret (SnapStart)");
    }

    @Test
    void aSecretCanBeNamedByItsArn() {
        fake.put(SECRET_ID, "{\"K\":\"by-arn\"}");
        var byArn = new SecretsManagerKeyStore(client, fake.arn(SECRET_ID), REFRESH, clock);
        assertEquals(Optional.of("by-arn"), byArn.find("K"));
    }

    @Test
    void aNonStringFieldIsItsJsonText() {
        fake.put(SECRET_ID, """
                {"PORT": 8080, "RATIO": 0.5, "ENABLED": true, "NESTED": {"a": "b", "n": 1},
                 "LIST": [1, "two"], "EMPTY": "", "NOTHING": null}""");

        assertEquals(Optional.of("8080"), store.find("PORT"));
        assertEquals(Optional.of("0.5"), store.find("RATIO"));
        assertEquals(Optional.of("true"), store.find("ENABLED"));
        assertEquals(Optional.of("{\"a\":\"b\",\"n\":1}"), store.find("NESTED"));
        assertEquals(Optional.of("[1,\"two\"]"), store.find("LIST"));
        assertEquals(Optional.of(""), store.find("EMPTY"));
        assertEquals(Optional.empty(), store.find("NOTHING"), "a JSON null is no key");
    }

    @Test
    void lookupsWithinTheRefreshIntervalShareOneCall() {
        fake.put(SECRET_ID, "{\"A\":\"1\",\"B\":\"2\"}");
        int before = fake.calls();

        assertEquals(Optional.of("1"), store.find("A"));
        clock.advance(REFRESH.minusSeconds(1));
        assertEquals(Optional.of("2"), store.find("B"));
        assertEquals(Optional.empty(), store.find("C"));

        assertEquals(before + 1, fake.calls());
    }

    @Test
    void concurrentFirstLookupsMakeOneCall() throws Exception {
        fake.put(SECRET_ID, "{\"A\":\"1\"}");
        int before = fake.calls();
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Optional<String>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<Optional<String>> lookup = () -> {
                    go.await();
                    return store.find("A");
                };
                results.add(pool.submit(lookup));
            }
            go.countDown();
            for (Future<Optional<String>> r : results) assertEquals(Optional.of("1"), r.get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(before + 1, fake.calls());
    }

    @Test
    void afterTheRefreshIntervalAChangedSecretIsSeen() {
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-old\"}");
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));

        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-new\",\"ADDED\":\"x\"}");
        clock.advance(REFRESH.minusSeconds(1));
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"), "still cached");

        int before = fake.calls();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.of("sk-new"), store.find("OPENAI_API_KEY"));
        assertEquals(Optional.of("x"), store.find("ADDED"));
        assertEquals(before + 1, fake.calls());
    }

    @Test
    void aFailingRefreshKeepsTheOldKeysAndWaitsBeforeTryingAgain() {
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-old\"}");
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));

        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-new\"}");
        fake.failNext(1_000); // every attempt fails, SDK retries included
        clock.advance(REFRESH);
        int beforeRefresh = fake.calls();
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));
        int afterRefresh = fake.calls();
        assertTrue(afterRefresh > beforeRefresh, "the refresh was attempted");

        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));
        clock.advance(SecretsManagerKeyStore.RETRY_AFTER_FAILURE.minusSeconds(1));
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));
        assertEquals(afterRefresh, fake.calls(), "no call again within RETRY_AFTER_FAILURE");

        fake.failNext(0);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.of("sk-new"), store.find("OPENAI_API_KEY"));
        assertEquals(afterRefresh + 1, fake.calls());
    }

    @Test
    void aRefreshThatFindsAMalformedSecretKeepsTheOldKeys() {
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-old\"}");
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));

        fake.put(SECRET_ID, "sk-pasted-by-mistake");
        clock.advance(REFRESH);
        assertEquals(Optional.of("sk-old"), store.find("OPENAI_API_KEY"));
        int calls = fake.calls();
        clock.advance(SecretsManagerKeyStore.RETRY_AFTER_FAILURE.minusSeconds(1));
        store.find("OPENAI_API_KEY");
        assertEquals(calls, fake.calls());
    }

    @Test
    void aFailingFirstLoadIsServiceUnavailableAndShowsNoSecret() {
        String secretValue = "sk-first-load-secret-value";
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"" + secretValue + "\"}");
        fake.failNext(1_000);

        String stderr = captureStderr(() -> {
            RelayException e = assertThrows(RelayException.class, () -> store.find("OPENAI_API_KEY"));
            assertEquals(ErrorKind.SERVICE_UNAVAILABLE, e.kind());
            assertNoSecretIn(e, secretValue);
        });
        assertFalse(stderr.contains(secretValue), stderr);

        // Nothing was cached. Until the short first-load pause ends, lookups fail fast without a call;
        // after it, the next lookup tries again and, with the service back, succeeds.
        fake.failNext(0);
        int calls = fake.calls();
        assertThrows(RelayException.class, () -> store.find("OPENAI_API_KEY"));
        assertEquals(calls, fake.calls(), "no call during the pause");
        clock.advance(SecretsManagerKeyStore.FIRST_LOAD_RETRY_AFTER_FAILURE);
        assertEquals(Optional.of(secretValue), store.find("OPENAI_API_KEY"));
    }

    @Test
    void aMissingSecretIsServiceUnavailable() {
        var missing = new SecretsManagerKeyStore(client, "relay/no-such-secret", REFRESH, clock);
        RelayException e = assertThrows(RelayException.class, () -> missing.find("OPENAI_API_KEY"));
        assertEquals(ErrorKind.SERVICE_UNAVAILABLE, e.kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sk-plain-secret-not-json",
        "{\"OPENAI_API_KEY\": \"sk-truncated-secret",
        "[\"sk-array-secret\"]",
        "\"sk-json-string-secret\"",
        "12345678901234567890",
        "null",
        ""
    })
    void aSecretThatIsNotAJsonObjectIsServiceUnavailableAndShowsNoSecret(String secretString) {
        fake.put(SECRET_ID, secretString);

        String stderr = captureStderr(() -> {
            RelayException e = assertThrows(RelayException.class, () -> store.find("OPENAI_API_KEY"));
            assertEquals(ErrorKind.SERVICE_UNAVAILABLE, e.kind());
            if (!secretString.isEmpty() && !secretString.equals("null")) assertNoSecretIn(e, secretString);
            assertNoSecretIn(e, "sk-");
        });
        assertFalse(stderr.contains("sk-"), stderr);
    }

    @Test
    void resolveLooksReferencesUpInTheSecret() {
        fake.put(SECRET_ID, "{\"OPENAI_API_KEY\":\"sk-resolved\",\"BLANK\":\"  \"}");
        int before = fake.calls();

        assertEquals(Optional.of("literal-value"), store.resolve("literal-value"));
        assertEquals(Optional.empty(), store.resolve(null));
        assertEquals(Optional.empty(), store.resolve(" "));
        assertEquals(before, fake.calls(), "a literal needs no secret");

        assertEquals(Optional.of("sk-resolved"), store.resolve("os.environ/OPENAI_API_KEY"));
        assertEquals(Optional.empty(), store.resolve("os.environ/MISSING"));
        assertEquals(Optional.empty(), store.resolve("os.environ/BLANK"));
        assertEquals(before + 1, fake.calls());
    }

    private static void assertNoSecretIn(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            assertFalse(message.contains(secret), () -> "the error shows the secret: " + message);
            for (Throwable s : t.getSuppressed()) assertNoSecretIn(s, secret);
        }
    }

    private static String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
