package relay.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.keys.KeyStore;
import relay.core.log.Diagnostics;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;

/**
 * Keys as the JSON fields of one Secrets Manager secret, held in memory and read again after
 * {@code refreshInterval}. It loads on first use, not at init, so no key is ever captured in a
 * SnapStart snapshot. When a refresh fails it keeps serving the keys it has, and tries again later.
 */
public final class SecretsManagerKeyStore implements KeyStore {
    /** After a failed refresh, how long to go on with the old keys before trying again. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
    /** With no keys at all, retry sooner: every request fails until the first load succeeds. */
    static final Duration FIRST_LOAD_RETRY_AFTER_FAILURE = Duration.ofSeconds(2);

    private record Snapshot(Map<String, String> fields, Instant nextRefresh) {}

    private final SecretsManagerClient client;
    private final String secretId;
    private final Duration refreshInterval;
    private final Clock clock;
    private volatile Snapshot snapshot;
    /** After a failed first load, callers fail fast until then instead of each waiting on Secrets Manager. */
    private volatile Instant firstLoadRetryAt = Instant.MIN;

    public SecretsManagerKeyStore(SecretsManagerClient client, String secretId, Duration refreshInterval, Clock clock) {
        this.client = client;
        this.secretId = secretId;
        this.refreshInterval = refreshInterval;
        this.clock = clock;
    }

    @Override
    public Optional<String> find(String name) {
        return Optional.ofNullable(current().get(name));
    }

    private Map<String, String> current() {
        Snapshot s = snapshot;
        if (s != null && clock.instant().isBefore(s.nextRefresh())) return s.fields();
        if (s == null && clock.instant().isBefore(firstLoadRetryAt)) throw unavailable();
        synchronized (this) {
            s = snapshot;
            if (s != null && clock.instant().isBefore(s.nextRefresh())) return s.fields();
            if (s == null && clock.instant().isBefore(firstLoadRetryAt)) throw unavailable();
            try {
                snapshot = new Snapshot(load(), clock.instant().plus(refreshInterval));
            } catch (RuntimeException e) {
                Diagnostics.warn("secret_refresh_failed", "secret", secretId, "error", e.getClass().getSimpleName());
                if (s == null) {
                    firstLoadRetryAt = clock.instant().plus(FIRST_LOAD_RETRY_AFTER_FAILURE);
                    throw unavailable();
                }
                snapshot = new Snapshot(s.fields(), clock.instant().plus(RETRY_AFTER_FAILURE));
            }
            return snapshot.fields();
        }
    }

    private static RelayException unavailable() {
        return new RelayException(ErrorKind.SERVICE_UNAVAILABLE,
                "Relay could not read its keys from Secrets Manager; try again shortly.");
    }

    private Map<String, String> load() {
        String secret = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretId).build()).secretString();
        JsonNode root;
        try {
            root = secret == null ? null : Json.MAPPER.readTree(secret);
        } catch (IOException e) {
            throw new IllegalStateException("the secret is not a JSON object");
        }
        if (root == null || !root.isObject()) throw new IllegalStateException("the secret is not a JSON object");
        Map<String, String> fields = new HashMap<>();
        root.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) fields.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
        });
        return Map.copyOf(fields);
    }
}
