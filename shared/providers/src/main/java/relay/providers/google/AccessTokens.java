package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ProviderCall;
import relay.providers.http.ProviderHttp;

/**
 * OAuth access tokens for service accounts, by Google's two-legged flow: a JWT signed (RS256) with the
 * account's key is exchanged at its {@code token_uri}. Tokens are kept per account and fetched again
 * shortly before they expire, so a warm Lambda signs in about once an hour.
 */
public final class AccessTokens {
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    static final Duration LIFETIME = Duration.ofHours(1); // the most Google grants
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    private final ProviderHttp http;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    private record Token(String value, Instant refreshAt) {}

    public AccessTokens(ProviderHttp http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    /** A valid access token for {@code account}, from the cache or freshly fetched. */
    public String token(String label, ProviderCall<?> call, ServiceAccount account) {
        String key = cacheKey(account);
        Token cached = tokens.get(key);
        if (cached != null && clock.instant().isBefore(cached.refreshAt())) return cached.value();
        synchronized (locks.computeIfAbsent(key, k -> new Object())) { // one sign-in per account at a time
            cached = tokens.get(key);
            if (cached != null && clock.instant().isBefore(cached.refreshAt())) return cached.value();
            Token fresh = fetch(label, call, account);
            tokens.put(key, fresh);
            return fresh.value();
        }
    }

    /** Forgets the account's token, after Google refused it. */
    public void invalidate(ServiceAccount account) {
        tokens.remove(cacheKey(account));
    }

    private Token fetch(String label, ProviderCall<?> call, ServiceAccount account) {
        Instant now = clock.instant();
        String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
                + "&assertion=" + URLEncoder.encode(jwt(account, now), StandardCharsets.UTF_8);
        JsonNode answer;
        try {
            URI uri = URI.create(account.tokenUri());
            answer = ProviderHttp.readJson(label, call, http.post(label, call, uri, Map.of("accept", "application/json"),
                    "application/x-www-form-urlencoded", form.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.AUTHENTICATION, label + ": the service account's token_uri is not a valid URL.");
        } catch (RelayException e) {
            if (e.kind() == ErrorKind.REQUEST_TIMEOUT || e.kind() == ErrorKind.PROVIDER_UNAVAILABLE) throw e;
            throw new RelayException(ErrorKind.AUTHENTICATION, "Could not sign in as " + account.clientEmail() + ": "
                    + e.getMessage(), null, Map.of(), e);
        }
        String token = answer.path("access_token").asText("");
        if (token.isEmpty()) throw ProviderHttp.malformed(label + " token endpoint");
        Duration lifetime = Duration.ofSeconds(answer.path("expires_in").asLong(LIFETIME.toSeconds()));
        Duration margin = REFRESH_MARGIN.compareTo(lifetime.dividedBy(2)) < 0 ? REFRESH_MARGIN : lifetime.dividedBy(2);
        return new Token(token, now.plus(lifetime).minus(margin));
    }

    /** The signed assertion: {@code iss} the account, {@code aud} its token endpoint, valid for an hour. */
    static String jwt(ServiceAccount account, Instant now) {
        ObjectNode header = Json.object().put("alg", "RS256").put("typ", "JWT");
        if (account.privateKeyId() != null) header.put("kid", account.privateKeyId());
        ObjectNode claims = Json.object()
                .put("iss", account.clientEmail())
                .put("scope", SCOPE)
                .put("aud", account.tokenUri())
                .put("iat", now.getEpochSecond())
                .put("exp", now.plus(LIFETIME).getEpochSecond());
        String signingInput = base64Url(Json.writeBytes(header)) + "." + base64Url(Json.writeBytes(claims));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(account.privateKey());
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + base64Url(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new RelayException(ErrorKind.AUTHENTICATION, "Could not sign in as " + account.clientEmail()
                    + ": its private key cannot sign (" + e.getClass().getSimpleName() + ").");
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String cacheKey(ServiceAccount account) {
        return account.clientEmail() + "|" + account.privateKeyId() + "|" + account.tokenUri();
    }
}
