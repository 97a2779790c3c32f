package relay.core.access;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestGate;
import relay.core.gateway.RequestTrace;
import relay.core.log.Diagnostics;
import relay.core.provider.ModelRouter;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.Usage;

/**
 * A virtual key's request gate: the model must be one the key (and its team) may use, then the
 * request's worst-case cost and rate-limit counts are reserved on the key, its team and its end user,
 * and settled after the answer. Sets {@code x-relay-key-spend} (the key's spend in its budget period
 * before this request) and, where the key has rate limits, {@code x-ratelimit-*}.
 */
public final class KeyGate implements RequestGate {
    /** Used when a request reaches the gate without a deadline (tests; RelayApi always sets one). */
    static final Duration LONGEST_REQUEST = Duration.ofMinutes(15);
    static final int MAX_END_USER_ID = 200;

    private final KeyRecord key;
    private final TeamRecord team;
    private final Ledger ledger;
    private final ModelRouter router;
    private final AccessSettings settings;
    private final Clock clock;

    KeyGate(KeyRecord key, TeamRecord team, Ledger ledger, ModelRouter router, AccessSettings settings, Clock clock) {
        this.key = key;
        this.team = team;
        this.ledger = ledger;
        this.router = router;
        this.settings = settings;
        this.clock = clock;
    }

    public String keyHash() {
        return key.keyHash();
    }

    public String keyAlias() {
        return key.keyAlias();
    }

    public String teamId() {
        return key.teamId();
    }

    @Override
    public boolean mayUse(String model) {
        return ModelAccess.allows(key.models(), model) && (team == null || ModelAccess.allows(team.models(), model));
    }

    /** A route the key's {@code allowed_routes} leave out is a 403 naming the routes it may call. */
    @Override
    public void admitRoute(String path) {
        if (AllowedRoutes.allows(key.allowedRoutes(), path)) return;
        throw new RelayException(ErrorKind.PERMISSION_DENIED, "This key may not call " + shown(path) + "; its allowed_routes are: "
                + String.join(", ", key.allowedRoutes()) + ".");
    }

    @Override
    public void admitChat(ChatCompletionRequest request, RequestTrace trace) {
        requireModel(request.model());
        admit(CostEstimate.chat(request, router), request.user(), trace);
    }

    @Override
    public void admitEmbedding(EmbeddingRequest request, RequestTrace trace) {
        requireModel(request.model());
        admit(CostEstimate.embedding(request, router), request.user(), trace);
    }

    private void requireModel(String model) {
        if (mayUse(model)) return;
        List<String> allowed = new ArrayList<>(key.models());
        String whose = "This key";
        if (ModelAccess.allows(key.models(), model)) {
            allowed = team.models();
            whose = "This key's team";
        }
        throw new RelayException(ErrorKind.PERMISSION_DENIED, whose + " may not use the model '" + shown(model) + "'; it may use: "
                + String.join(", ", allowed.stream().map(KeyGate::shown).toList()) + ".", "model");
    }

    private void admit(CostEstimate.Estimate estimate, String user, RequestTrace trace) {
        Instant deadline = trace.deadline() != null ? trace.deadline() : clock.instant().plus(LONGEST_REQUEST);
        var charge = new Ledger.Charge(estimate.cost(), estimate.likelyPromptTokens(), deadline.plus(Ledger.RESERVATION_GRACE));
        List<Ledger.Account> accounts = new ArrayList<>(3);
        accounts.add(KeyAdmin.account(key));
        if (team != null) accounts.add(KeyAdmin.account(team));
        if (settings.maxEndUserBudget() != null && user != null && !user.isBlank()) {
            accounts.add(new Ledger.Account(endUserCounter(user), "end user '" + shown(user) + "'",
                    new Limits(settings.maxEndUserBudget(), null, null, null, null, null)));
        }
        if (accounts.size() == 1) {
            Ledger.Reservation reservation = reserve(accounts.get(0), charge);
            trace.afterAnswer(() -> ledger.settle(reservation, trace.cost(), tokens(trace.usage())));
            headers(reservation, trace);
            return;
        }
        // One write per limited account, all at once: the request waits for one round trip, not one per account.
        List<java.util.concurrent.Future<Ledger.Reservation>> pending = new ArrayList<>(accounts.size());
        RelayException refusal = null;
        Ledger.Reservation ofKey = null;
        try (var writes = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Ledger.Account account : accounts) pending.add(writes.submit(() -> reserve(account, charge)));
            for (var future : pending) {
                Ledger.Reservation reservation;
                try {
                    reservation = future.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (refusal == null) refusal = e.getCause() instanceof RelayException r ? r : unavailable();
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (refusal == null) refusal = unavailable();
                    continue;
                }
                // Registered at once, so a refusal by another account or a failed call still releases it after the answer.
                trace.afterAnswer(() -> ledger.settle(reservation, trace.cost(), tokens(trace.usage())));
                if (ofKey == null) ofKey = reservation;
            }
        }
        if (refusal != null) throw refusal;
        headers(ofKey, trace);
    }

    private Ledger.Reservation reserve(Ledger.Account account, Ledger.Charge charge) {
        try {
            return ledger.reserve(account, charge);
        } catch (RelayException e) {
            throw e;
        } catch (RuntimeException e) {
            Diagnostics.warn("access_reservation_failed", "account", account.label(), "error", e.getClass().getName());
            throw unavailable();
        }
    }

    private static RelayException unavailable() {
        return new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "Relay could not check this key's budget and limits; try again.");
    }

    private void headers(Ledger.Reservation reservation, RequestTrace trace) {
        BigDecimal spend;
        try {
            spend = reservation.written() ? reservation.spentBefore() : ledger.spend(reservation.account());
        } catch (RuntimeException e) {
            spend = null; // the spend is shown when known; the request goes on
        }
        if (spend != null) trace.responseHeader("x-relay-key-spend", spend.stripTrailingZeros().toPlainString());
        Limits limits = key.limits();
        if (limits.rpmLimit() != null) {
            trace.responseHeader("x-ratelimit-limit-requests", limits.rpmLimit().toString());
            trace.responseHeader("x-ratelimit-remaining-requests", Long.toString(Math.max(0, limits.rpmLimit() - reservation.requestsThisMinute())));
        }
        if (limits.tpmLimit() != null) {
            trace.responseHeader("x-ratelimit-limit-tokens", limits.tpmLimit().toString());
            trace.responseHeader("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, limits.tpmLimit() - reservation.tokensThisMinute())));
        }
    }

    private static long tokens(Usage usage) {
        return usage == null ? 0 : usage.totalTokens();
    }

    /** End users are the clients' own ids; a long one is keyed by its hash so the counter's key stays small. */
    static String endUserCounter(String user) {
        return "user#" + (user.length() <= MAX_END_USER_ID ? user : VirtualKeyFormat.hash(user));
    }

    private static String shown(String text) {
        String cut = text.length() <= 100 ? text : text.substring(0, 100) + "...";
        StringBuilder safe = new StringBuilder(cut.length());
        for (char c : cut.toCharArray()) safe.append(Character.isISOControl(c) ? '?' : c);
        return safe.toString();
    }

}
