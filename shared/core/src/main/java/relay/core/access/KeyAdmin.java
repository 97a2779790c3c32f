package relay.core.access;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * LiteLLM's key and team management API, in its request and response shapes: {@code /key/generate},
 * {@code /key/info}, {@code /key/update}, {@code /key/delete}, {@code /key/list}, {@code /key/regenerate}
 * (also {@code /key/{key}/regenerate}), {@code /team/new}, {@code /team/info}, {@code /team/update},
 * {@code /team/delete}, {@code /team/list}. The caller has checked the master key. No response but
 * generate's and regenerate's holds a key; keys are named by {@code token} (their hash) or {@code key_name}.
 */
final class KeyAdmin {
    static final int MAX_PAGE_SIZE = 100;
    static final int MAX_DELETE = 1_000;
    private static final Pattern REGENERATE_PATH = Pattern.compile("/key/([^/]+)/regenerate");
    private static final int WRITE_TRIES = 3;

    private final Definitions definitions;
    private final Ledger ledger;
    private final Clock clock;
    private final Consumer<String> forgetKey;
    private final Consumer<String> forgetTeam;

    KeyAdmin(Definitions definitions, Ledger ledger, Clock clock, Consumer<String> forgetKey, Consumer<String> forgetTeam) {
        this.definitions = definitions;
        this.ledger = ledger;
        this.clock = clock;
        this.forgetKey = forgetKey;
        this.forgetTeam = forgetTeam;
    }

    static boolean isAdminPath(String path) {
        return path.startsWith("/key/") || path.startsWith("/team/");
    }

    /** The answer's JSON body (status 200), or a {@link RelayException}. */
    Object handle(String method, String path, Map<String, String> query, byte[] body) {
        Matcher regenerate = REGENERATE_PATH.matcher(path);
        if (regenerate.matches()) {
            allow(method, "POST", path);
            if (!VirtualKeyFormat.looksLikeHash(regenerate.group(1))) {
                // Paths land in access logs: a key there would be written down, so only its hash is taken.
                throw RelayException.invalid("key", "In /key/{key}/regenerate, name the key by its token (its SHA-256 hash),"
                        + " or POST /key/regenerate with {\"key\": ...} in the body: paths are written to access logs.");
            }
            return regenerate(regenerate.group(1), AdminInput.of(body));
        }
        return switch (path) {
            case "/key/generate" -> { allow(method, "POST", path); yield generate(AdminInput.of(body)); }
            case "/key/info" -> { allow(method, "GET", path); yield keyInfo(query); }
            case "/key/update" -> { allow(method, "POST", path); yield updateKey(AdminInput.of(body)); }
            case "/key/delete" -> { allow(method, "POST", path); yield deleteKeys(AdminInput.of(body)); }
            case "/key/list" -> { allow(method, "GET", path); yield listKeys(query); }
            case "/key/regenerate" -> {
                allow(method, "POST", path);
                AdminInput input = AdminInput.of(body);
                yield regenerate(required(input.text("key"), "key"), input);
            }
            case "/team/new" -> { allow(method, "POST", path); yield newTeam(AdminInput.of(body)); }
            case "/team/info" -> { allow(method, "GET", path); yield teamInfo(query); }
            case "/team/update" -> { allow(method, "POST", path); yield updateTeam(AdminInput.of(body)); }
            case "/team/delete" -> { allow(method, "POST", path); yield deleteTeams(AdminInput.of(body)); }
            case "/team/list" -> { allow(method, "GET", path); yield listTeams(); }
            default -> throw new RelayException(ErrorKind.NOT_FOUND, "Unknown admin path. Relay serves /key/generate, /key/info, "
                    + "/key/update, /key/delete, /key/list, /key/regenerate, /team/new, /team/info, /team/update, /team/delete and /team/list.");
        };
    }

    // ---- keys ----

    private Map<String, Object> generate(AdminInput input) {
        Instant now = clock.instant();
        String key = VirtualKeyFormat.generate();
        KeyRecord empty = new KeyRecord(VirtualKeyFormat.newId(), VirtualKeyFormat.hash(key), VirtualKeyFormat.displayName(key),
                null, List.of(), null, null, null, null, null, null, null, null, null, false, now, now, List.of());
        KeyRecord record = apply(empty, input, now);
        if (!definitions.putKey(record, 0)) throw conflict("key");
        return generated(record, key);
    }

    private Map<String, Object> keyInfo(Map<String, String> query) {
        KeyRecord key = findKey(query.get("key"), "key").record();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("key", key.keyHash());
        answer.put("info", keyView(key, ledger.usage(account(key))));
        return answer;
    }

    private Map<String, Object> updateKey(AdminInput input) {
        String reference = required(input.text("key"), "key");
        for (int i = 0; i < WRITE_TRIES; i++) {
            Definitions.Versioned<KeyRecord> stored = findKey(reference, "key");
            KeyRecord updated = apply(stored.record(), input, clock.instant());
            if (definitions.putKey(updated, stored.version())) {
                forgetKey.accept(updated.keyHash());
                Map<String, Object> answer = keyView(updated, ledger.usage(account(updated)));
                answer.put("key", updated.keyHash());
                return answer;
            }
        }
        throw conflict("key");
    }

    private Map<String, Object> deleteKeys(AdminInput input) {
        List<String> references = input.texts("keys", MAX_DELETE);
        List<String> aliases = input.texts("key_aliases", MAX_DELETE);
        if (references.isEmpty() && aliases.isEmpty()) {
            throw RelayException.invalid("keys", "Name the keys to delete: 'keys' (keys or their token hashes) or 'key_aliases'.");
        }
        List<KeyRecord> doomed = new ArrayList<>();
        for (String reference : references) doomed.add(findKey(reference, "keys").record());
        if (!aliases.isEmpty()) {
            List<KeyRecord> all = definitions.keys();
            for (String alias : aliases) {
                doomed.add(all.stream().filter(k -> alias.equals(k.keyAlias())).findFirst().orElseThrow(() ->
                        new RelayException(ErrorKind.NOT_FOUND, "No key has the alias '" + alias + "'; nothing was deleted.", "key_aliases")));
            }
        }
        List<String> deleted = new ArrayList<>();
        for (KeyRecord key : doomed) {
            if (deleted.contains(key.keyHash())) continue;
            deleteKey(key);
            deleted.add(key.keyHash());
        }
        return Map.of("deleted_keys", deleted);
    }

    private void deleteKey(KeyRecord key) {
        definitions.delete(AccessStore.Kind.KEY, key.keyHash());
        definitions.deleteCounters(key.counterId());
        forgetKey.accept(key.keyHash());
    }

    private Map<String, Object> listKeys(Map<String, String> query) {
        int page = pageNumber(query.get("page"), "page", 1, Integer.MAX_VALUE, 1);
        int size = pageNumber(query.get("size"), "size", 1, MAX_PAGE_SIZE, 10);
        boolean full = "true".equalsIgnoreCase(query.get("return_full_object"));
        List<KeyRecord> keys = definitions.keys().stream()
                .filter(k -> query.get("team_id") == null || query.get("team_id").equals(k.teamId()))
                .filter(k -> query.get("user_id") == null || query.get("user_id").equals(k.userId()))
                .filter(k -> query.get("key_alias") == null || query.get("key_alias").equals(k.keyAlias()))
                .sorted(java.util.Comparator.comparing(KeyRecord::createdAt).thenComparing(KeyRecord::keyHash))
                .toList();
        int from = (int) Math.min(keys.size(), (long) (page - 1) * size);
        List<Object> shown = new ArrayList<>();
        for (KeyRecord key : keys.subList(from, Math.min(keys.size(), from + size))) {
            shown.add(full ? keyView(key, ledger.usage(account(key))) : key.keyHash());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("keys", shown);
        answer.put("total_count", keys.size());
        answer.put("current_page", page);
        answer.put("total_pages", (keys.size() + size - 1) / size);
        return answer;
    }

    /** A new key with the old one's settings (and any changes the body asks for) and spend; the old key stops working. */
    private Map<String, Object> regenerate(String reference, AdminInput changes) {
        Definitions.Versioned<KeyRecord> stored = findKey(reference, "key");
        Instant now = clock.instant();
        String key = VirtualKeyFormat.generate();
        KeyRecord old = apply(stored.record(), changes, now);
        KeyRecord fresh = new KeyRecord(old.keyId(), VirtualKeyFormat.hash(key), VirtualKeyFormat.displayName(key), old.keyAlias(),
                old.models(), old.maxBudget(), old.budgetDuration(), old.rpmLimit(), old.tpmLimit(), old.maxParallelRequests(),
                old.expires(), old.teamId(), old.userId(), old.metadata(), old.blocked(), old.createdAt(), now, old.allowedRoutes());
        if (!definitions.replaceKey(stored.record().keyHash(), stored.version(), fresh)) throw conflict("key");
        forgetKey.accept(stored.record().keyHash());
        return generated(fresh, key);
    }

    private KeyRecord apply(KeyRecord k, AdminInput in, Instant now) {
        String alias = in.has("key_alias") ? in.text("key_alias") : k.keyAlias();
        if (alias != null && !alias.equals(k.keyAlias())) {
            boolean taken = definitions.keys().stream().anyMatch(other -> alias.equals(other.keyAlias()) && !other.keyId().equals(k.keyId()));
            if (taken) throw RelayException.invalid("key_alias", "Another key already has the key_alias '" + alias + "'.");
        }
        String teamId = in.has("team_id") ? in.text("team_id") : k.teamId();
        if (teamId != null && !teamId.equals(k.teamId()) && definitions.team(teamId).isEmpty()) {
            throw RelayException.invalid("team_id", "There is no team '" + teamId + "'; create it with POST /team/new.");
        }
        return new KeyRecord(k.keyId(), k.keyHash(), k.keyName(), alias,
                in.has("models") ? in.models("models") : k.models(),
                in.has("max_budget") ? in.usd("max_budget") : k.maxBudget(),
                in.has("budget_duration") ? in.duration("budget_duration") : k.budgetDuration(),
                in.has("rpm_limit") ? in.count("rpm_limit") : k.rpmLimit(),
                in.has("tpm_limit") ? in.count("tpm_limit") : k.tpmLimit(),
                in.has("max_parallel_requests") ? in.count("max_parallel_requests") : k.maxParallelRequests(),
                in.changesExpiry() ? in.expiry(now) : k.expires(),
                teamId,
                in.has("user_id") ? in.text("user_id") : k.userId(),
                in.has("metadata") ? in.metadata("metadata") : k.metadata(),
                in.has("blocked") ? in.flag("blocked") : k.blocked(),
                k.createdAt(), now,
                in.has("allowed_routes") ? AllowedRoutes.parse(in.texts("allowed_routes", AllowedRoutes.MAX_ROUTES), "allowed_routes")
                        : k.allowedRoutes());
    }

    private Definitions.Versioned<KeyRecord> findKey(String reference, String param) {
        if (reference == null || reference.isBlank()) {
            throw RelayException.invalid(param, "Name the key: '" + param + "' is the key (sk-...) or its token hash.");
        }
        String hash;
        String shown;
        if (VirtualKeyFormat.looksLikeKey(reference)) {
            hash = VirtualKeyFormat.hash(reference);
            shown = VirtualKeyFormat.displayName(reference);
        } else if (VirtualKeyFormat.looksLikeHash(reference)) {
            hash = reference;
            shown = reference;
        } else {
            throw RelayException.invalid(param, "'" + param + "' must be a key (sk-...) or its token hash (64 hex characters).");
        }
        return definitions.key(hash).orElseThrow(() -> new RelayException(ErrorKind.NOT_FOUND, "No key " + shown + " exists.", param));
    }

    private Map<String, Object> generated(KeyRecord record, String key) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("key", key);
        answer.putAll(keyView(record, null));
        answer.put("spend", BigDecimal.ZERO);
        return answer;
    }

    /** LiteLLM's key fields; {@code token} is the key's SHA-256, as the request log's {@code key_hash}. */
    private Map<String, Object> keyView(KeyRecord k, Ledger.Usage usage) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("token", k.keyHash());
        view.put("key_name", k.keyName());
        view.put("key_alias", k.keyAlias());
        if (usage != null) view.put("spend", usage.spend());
        view.put("max_budget", k.maxBudget());
        view.put("budget_duration", k.budgetDuration());
        view.put("budget_reset_at", k.limits().budgetResetAt(clock.instant()));
        view.put("expires", k.expires());
        view.put("models", k.models());
        view.put("allowed_routes", k.allowedRoutes());
        view.put("rpm_limit", k.rpmLimit());
        view.put("tpm_limit", k.tpmLimit());
        view.put("max_parallel_requests", k.maxParallelRequests());
        view.put("team_id", k.teamId());
        view.put("user_id", k.userId());
        view.put("metadata", k.metadata() == null ? Map.of() : k.metadata());
        view.put("blocked", k.blocked());
        view.put("created_at", k.createdAt());
        view.put("updated_at", k.updatedAt());
        if (usage != null) usageFields(view, usage);
        return view;
    }

    /** Relay's additions to LiteLLM's fields: what is held for requests in flight, and this minute's counts. */
    private static void usageFields(Map<String, Object> view, Ledger.Usage usage) {
        view.put("reserved_spend", usage.reserved());
        view.put("total_spend", usage.totalSpend());
        view.put("requests_this_minute", usage.requestsThisMinute());
        view.put("tokens_this_minute", usage.tokensThisMinute());
        view.put("requests_in_flight", usage.inFlight());
    }

    static Ledger.Account account(KeyRecord key) {
        return new Ledger.Account(key.counterId(), key.label(), key.limits());
    }

    static Ledger.Account account(TeamRecord team) {
        return new Ledger.Account(team.counterId(), team.label(), team.limits());
    }

    // ---- teams ----

    private Map<String, Object> newTeam(AdminInput input) {
        Instant now = clock.instant();
        String teamId = input.has("team_id") && input.text("team_id") != null ? input.text("team_id") : VirtualKeyFormat.newId();
        TeamRecord empty = new TeamRecord(teamId, null, List.of(), null, null, null, null, null, null, false, now, now);
        TeamRecord team = apply(empty, input, now);
        if (!definitions.putTeam(team, 0)) throw RelayException.invalid("team_id", "A team '" + teamId + "' already exists.");
        return teamView(team, ledger.usage(account(team)));
    }

    private Map<String, Object> teamInfo(Map<String, String> query) {
        TeamRecord team = findTeam(query.get("team_id")).record();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("team_id", team.teamId());
        answer.put("team_info", teamView(team, ledger.usage(account(team))));
        answer.put("keys", definitions.keys().stream().filter(k -> team.teamId().equals(k.teamId())).map(k -> keyView(k, null)).toList());
        return answer;
    }

    private Map<String, Object> updateTeam(AdminInput input) {
        String teamId = required(input.text("team_id"), "team_id");
        for (int i = 0; i < WRITE_TRIES; i++) {
            Definitions.Versioned<TeamRecord> stored = findTeam(teamId);
            TeamRecord updated = apply(stored.record(), input, clock.instant());
            if (definitions.putTeam(updated, stored.version())) {
                forgetTeam.accept(teamId);
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("team_id", teamId);
                answer.put("data", teamView(updated, ledger.usage(account(updated))));
                return answer;
            }
        }
        throw conflict("team");
    }

    /** Deletes the teams and every key of theirs, as LiteLLM does. */
    private Map<String, Object> deleteTeams(AdminInput input) {
        List<String> ids = input.texts("team_ids", MAX_DELETE);
        if (ids.isEmpty()) throw RelayException.invalid("team_ids", "Name the teams to delete: 'team_ids'.");
        for (String id : ids) findTeam(id);
        List<KeyRecord> keys = definitions.keys();
        for (String id : ids) {
            for (KeyRecord key : keys) {
                if (id.equals(key.teamId())) deleteKey(key);
            }
            definitions.delete(AccessStore.Kind.TEAM, id);
            definitions.deleteCounters("team#" + id);
            forgetTeam.accept(id);
        }
        return Map.of("deleted_teams", ids);
    }

    private List<Map<String, Object>> listTeams() {
        return definitions.teams().stream()
                .sorted(java.util.Comparator.comparing(TeamRecord::createdAt).thenComparing(TeamRecord::teamId))
                .map(t -> teamView(t, ledger.usage(account(t)))).toList();
    }

    private TeamRecord apply(TeamRecord t, AdminInput in, Instant now) {
        return new TeamRecord(t.teamId(),
                in.has("team_alias") ? in.text("team_alias") : t.teamAlias(),
                in.has("models") ? in.models("models") : t.models(),
                in.has("max_budget") ? in.usd("max_budget") : t.maxBudget(),
                in.has("budget_duration") ? in.duration("budget_duration") : t.budgetDuration(),
                in.has("rpm_limit") ? in.count("rpm_limit") : t.rpmLimit(),
                in.has("tpm_limit") ? in.count("tpm_limit") : t.tpmLimit(),
                in.has("max_parallel_requests") ? in.count("max_parallel_requests") : t.maxParallelRequests(),
                in.has("metadata") ? in.metadata("metadata") : t.metadata(),
                in.has("blocked") ? in.flag("blocked") : t.blocked(),
                t.createdAt(), now);
    }

    private Definitions.Versioned<TeamRecord> findTeam(String teamId) {
        if (teamId == null || teamId.isBlank()) throw RelayException.invalid("team_id", "Name the team: 'team_id'.");
        Optional<Definitions.Versioned<TeamRecord>> team = teamId.length() > AdminInput.MAX_TEXT ? Optional.empty() : definitions.team(teamId);
        return team.orElseThrow(() -> new RelayException(ErrorKind.NOT_FOUND, "No team '" + cut(teamId) + "' exists.", "team_id"));
    }

    private Map<String, Object> teamView(TeamRecord t, Ledger.Usage usage) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("team_id", t.teamId());
        view.put("team_alias", t.teamAlias());
        view.put("spend", usage.spend());
        view.put("max_budget", t.maxBudget());
        view.put("budget_duration", t.budgetDuration());
        view.put("budget_reset_at", t.limits().budgetResetAt(clock.instant()));
        view.put("models", t.models());
        view.put("rpm_limit", t.rpmLimit());
        view.put("tpm_limit", t.tpmLimit());
        view.put("max_parallel_requests", t.maxParallelRequests());
        view.put("metadata", t.metadata() == null ? Map.of() : t.metadata());
        view.put("blocked", t.blocked());
        view.put("created_at", t.createdAt());
        view.put("updated_at", t.updatedAt());
        usageFields(view, usage);
        return view;
    }

    // ---- helpers ----

    private static void allow(String method, String allowed, String path) {
        if (!allowed.equals(method)) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use " + allowed + " on " + path + ".", null, Map.of("allow", allowed), null);
        }
    }

    private static String required(String value, String field) {
        if (value == null) throw RelayException.invalid(field, "'" + field + "' is required.");
        return value;
    }

    private static int pageNumber(String text, String param, int min, int max, int otherwise) {
        if (text == null) return otherwise;
        try {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw RelayException.invalid(param, "'" + param + "' must be a whole number from " + min + " to " + max + ".");
    }

    private static RelayException conflict(String what) {
        return new RelayException(ErrorKind.CONFLICT, "The " + what + " was changed by another request at the same time; try again.");
    }

    private static String cut(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
