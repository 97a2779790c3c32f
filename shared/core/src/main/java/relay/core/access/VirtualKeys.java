package relay.core.access;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.log.Diagnostics;
import relay.core.provider.ModelRouter;

/**
 * Virtual keys for the request path: who a bearer key is ({@link #authenticate}), and LiteLLM's admin
 * API ({@link #admin}). A key's record and its team's are read once per {@code keyCacheTtl} per
 * instance (an unknown key too), so a request usually reads nothing; a change made through this
 * instance's admin API takes effect here at once, elsewhere within the TTL.
 */
public final class VirtualKeys {
    static final int CACHE_ENTRIES = 10_000;

    private final AccessStore store;
    private final Definitions definitions;
    private final Ledger ledger;
    private final ModelRouter router;
    private final Clock clock;
    private final AccessSettings settings;
    private final Supplier<Optional<String>> masterKey;
    private final TtlCache<String, Optional<KeyRecord>> keys;
    private final TtlCache<String, Optional<TeamRecord>> teams;
    private final KeyAdmin admin;

    /**
     * @param masterKey the master key, if any: it is never looked up as a virtual key
     */
    public VirtualKeys(AccessStore store, ModelRouter router, Clock clock, AccessSettings settings, Supplier<Optional<String>> masterKey) {
        this.store = store;
        this.definitions = store == null ? null : new Definitions(store);
        this.ledger = store == null ? null : new Ledger(store, clock);
        this.router = router;
        this.clock = clock;
        this.settings = settings;
        this.masterKey = masterKey;
        this.keys = new TtlCache<>(clock, settings.keyCacheTtl(), CACHE_ENTRIES);
        this.teams = new TtlCache<>(clock, settings.keyCacheTtl(), CACHE_ENTRIES);
        this.admin = store == null ? null : new KeyAdmin(definitions, ledger, clock, keys::forget, teams::forget);
    }

    /** No virtual keys: only the master key works, and the admin routes say why they cannot. */
    public static VirtualKeys off() {
        return new VirtualKeys(null, null, Clock.systemUTC(), AccessSettings.DEFAULTS, Optional::empty);
    }

    public boolean enabled() {
        return store != null;
    }

    /** {@code /key/*} and {@code /team/*} (paths without {@code /v1}): the master key's admin API. */
    public static boolean isAdminPath(String path) {
        return KeyAdmin.isAdminPath(path);
    }

    /**
     * The gate of the virtual key the header presents. Empty when it presents none Relay knows (no key,
     * the master key, an unknown key: the master-key check decides). A known key that is blocked, expired,
     * or whose team is blocked or gone is a 401; a store that cannot be read is a 503.
     */
    public Optional<KeyGate> authenticate(String authorizationHeader) {
        Optional<KeyRecord> found = lookUp(authorizationHeader);
        if (found.isEmpty()) return Optional.empty();
        KeyRecord key = found.get();
        if (key.blocked()) throw unauthorized("This key is blocked.");
        if (key.expiredAt(clock.instant())) throw unauthorized("This key expired at " + key.expires() + ".");
        TeamRecord team = null;
        if (key.teamId() != null) {
            team = load(() -> teams.get(key.teamId(), id -> definitions.team(id).map(Definitions.Versioned::record)))
                    .orElseThrow(() -> unauthorized("This key's team no longer exists."));
            if (team.blocked()) throw unauthorized("This key's team is blocked.");
        }
        return Optional.of(new KeyGate(key, team, ledger, router, settings, clock));
    }

    /** Whether the header presents a virtual key Relay knows (blocked or not): such a key never reaches an admin route. */
    public boolean presentsVirtualKey(String authorizationHeader) {
        return lookUp(authorizationHeader).isPresent();
    }

    /** An admin request's answer body (status 200), or a {@link RelayException}. The caller has checked the master key. */
    public Object admin(String method, String path, Map<String, String> query, byte[] body) {
        if (!enabled()) {
            throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "Virtual keys are off: Relay has no keys table"
                    + " (RELAY_ACCESS_TABLE on AWS); only the master key works.");
        }
        return admin.handle(method, path, query, body);
    }

    /**
     * The keys {@code GET /spend/logs} is narrowed to by LiteLLM's {@code key_alias} and {@code team_id}
     * parameters (their hashes); null when neither is given.
     */
    public java.util.List<String> keyHashesFor(Map<String, String> spendLogParameters) {
        String alias = spendLogParameters.get("key_alias");
        String teamId = spendLogParameters.get("team_id");
        if (alias == null && teamId == null) return null;
        if (!enabled()) return java.util.List.of();
        return load(definitions::keys).stream()
                .filter(k -> alias == null || alias.equals(k.keyAlias()))
                .filter(k -> teamId == null || teamId.equals(k.teamId()))
                .map(KeyRecord::keyHash).toList();
    }

    private Optional<KeyRecord> lookUp(String authorizationHeader) {
        if (!enabled()) return Optional.empty();
        String key = VirtualKeyFormat.bearer(authorizationHeader);
        if (!VirtualKeyFormat.looksLikeKey(key) || isMasterKey(key)) return Optional.empty();
        return load(() -> keys.get(VirtualKeyFormat.hash(key), hash -> definitions.key(hash).map(Definitions.Versioned::record)));
    }

    private boolean isMasterKey(String key) {
        Optional<String> master = masterKey.get();
        return master.isPresent() && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), master.get().getBytes(StandardCharsets.UTF_8));
    }

    private static <T> T load(Supplier<T> read) {
        try {
            return read.get();
        } catch (RelayException e) {
            throw e;
        } catch (RuntimeException e) {
            Diagnostics.warn("access_lookup_failed", "error", e.getClass().getName());
            throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "Relay could not look up this key; try again.");
        }
    }

    private static RelayException unauthorized(String message) {
        return new RelayException(ErrorKind.AUTHENTICATION, message);
    }
}
