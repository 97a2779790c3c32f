package relay.core.access;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.log.Diagnostics;

/**
 * Budgets and rate limits that hold under any concurrency, on any number of instances: before a call,
 * one conditional write on the account's counter item reserves the request's worst-case cost and
 * counts it in the minute's rpm/tpm window and among the requests in flight, and fails (nothing
 * changed) when any limit would be passed; after the answer, {@link #settle} turns the reservation
 * into the real cost.
 *
 * <p>The counter item's attributes, all numbers ({@code P}: a budget period's start in epoch seconds,
 * 0 when spend never resets; {@code M}: an epoch minute; {@code E}: the epoch minute a reservation expires):
 * <ul>
 *   <li>{@code used_P}: spend plus outstanding reservations in period P, the one number the budget condition reads;
 *   <li>{@code spent_P}: settled spend in period P; {@code spend_total}: settled spend ever;
 *   <li>{@code resv_P_E}: cost reserved in period P by requests whose reservation expires at E;
 *   <li>{@code active}: requests in flight; {@code act_E}: those of them whose reservation expires at E;
 *   <li>{@code rpm_M}, {@code tpm_M}: requests and tokens counted in minute M.
 * </ul>
 * Reservations are grouped by expiry minute, so the item stays small however many requests run. A
 * request that dies before settling leaves its amount in {@code resv_P_E} / {@code act_E}; once E has
 * passed, the next refused request (or a settlement that notices) releases it from {@code used_P} and
 * {@code active}, each group under a condition on its exact value so no release happens twice.
 */
public final class Ledger {
    /** How long after its request's deadline an unsettled reservation lasts; then it is released. */
    public static final Duration RESERVATION_GRACE = Duration.ofMinutes(2);
    /** How many accounts' last seen spend the instance keeps (for {@code x-relay-key-spend} without a read). */
    static final int SPEND_SEEN_ENTRIES = 10_000;

    static final String ACTIVE = "active";
    static final String SPEND_TOTAL = "spend_total";

    private final AccessStore store;
    private final Clock clock;
    private final Map<String, Seen> spendSeen = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > SPEND_SEEN_ENTRIES;
        }
    };

    public Ledger(AccessStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Who pays: the counter item's id ({@code key#…}, {@code team#…}, {@code user#…}), how messages name
     * it ({@code key 'ci-bot'}), and its limits.
     */
    public record Account(String counterId, String label, Limits limits) {}

    /**
     * What one request may use at most: {@code cost} in USD (its prompt and its longest possible answer at
     * catalog prices), {@code tokens} to count against tpm at once, and when its reservation lapses.
     */
    public record Charge(BigDecimal cost, long tokens, Instant expiresAt) {}

    /** A request's hold on one account, to be settled once. {@code before} is the counter item as the reservation found it. */
    public record Reservation(Account account, Charge charge, long period, long minute, long expiryMinute,
                              boolean budget, boolean windows, boolean parallel, Map<String, BigDecimal> before) {

        boolean written() {
            return budget || windows || parallel;
        }

        /** Settled spend in the period before this request. */
        public BigDecimal spentBefore() {
            return before.getOrDefault(spent(period), BigDecimal.ZERO);
        }

        /** Requests counted in this minute, this one included (0 when no window is kept). */
        public long requestsThisMinute() {
            return windows ? before.getOrDefault(rpm(minute), BigDecimal.ZERO).longValue() + 1 : 0;
        }

        /** Tokens counted in this minute, this request's prompt included. */
        public long tokensThisMinute() {
            return windows ? before.getOrDefault(tpm(minute), BigDecimal.ZERO).longValue() + charge.tokens() : 0;
        }
    }

    /** What an account has used, for {@code /key/info} and {@code /team/info}. */
    public record Usage(BigDecimal spend, BigDecimal reserved, BigDecimal totalSpend, long requestsThisMinute,
                        long tokensThisMinute, long inFlight, Instant budgetResetAt) {}

    /** Reserves the charge on the account, or throws the refusal the client gets (400 budget_exceeded, 429). */
    public Reservation reserve(Account account, Charge charge) {
        Limits limits = account.limits();
        Instant now = clock.instant();
        long period = limits.periodStart(now);
        long minute = minute(now);
        long expiry = minute(charge.expiresAt()); // released once this minute has passed: never before expiresAt
        boolean budget = limits.maxBudget() != null;
        boolean windows = limits.windows();
        boolean parallel = limits.maxParallelRequests() != null;
        if (!budget && !windows && !parallel) {
            return new Reservation(account, charge, period, minute, expiry, false, false, false, Map.of());
        }
        CounterUpdate.Builder update = CounterUpdate.builder();
        if (budget) {
            BigDecimal max = limits.maxBudget();
            if (max.signum() <= 0 || charge.cost().compareTo(max) > 0) {
                throw budgetExceeded(account, charge, store.counters(account.counterId()), now);
            }
            update.add(used(period), charge.cost());
            if (charge.cost().signum() > 0) {
                update.add(reserved(period, expiry), charge.cost());
                update.require(new CounterUpdate.AtMost(used(period), max.subtract(charge.cost())));
            } else {
                update.require(new CounterUpdate.Below(used(period), max));
            }
        }
        if (parallel) {
            if (limits.maxParallelRequests() <= 0) throw tooManyInFlight(account, now);
            update.add(ACTIVE, 1).add(inFlight(expiry), 1);
            update.require(new CounterUpdate.Below(ACTIVE, BigDecimal.valueOf(limits.maxParallelRequests())));
        }
        if (windows) {
            update.add(rpm(minute), 1).add(tpm(minute), charge.tokens());
            if (limits.rpmLimit() != null) {
                if (limits.rpmLimit() <= 0) throw overRate(account, true, Map.of(), minute, charge, now);
                update.require(new CounterUpdate.Below(rpm(minute), BigDecimal.valueOf(limits.rpmLimit())));
            }
            if (limits.tpmLimit() != null) {
                if (limits.tpmLimit() <= 0) throw overRate(account, false, Map.of(), minute, charge, now);
                update.require(new CounterUpdate.Below(tpm(minute), BigDecimal.valueOf(limits.tpmLimit())));
            }
        }
        CounterUpdate change = update.build();
        for (int attempt = 0; ; attempt++) {
            AccessStore.CounterResult result = store.update(account.counterId(), change);
            if (result.applied()) {
                remember(account.counterId(), period, result.before().getOrDefault(spent(period), BigDecimal.ZERO));
                return new Reservation(account, charge, period, minute, expiry, budget, windows, parallel, result.before());
            }
            // Reservations of requests that died may be what fills the budget: release them, then try again.
            if (attempt < 2 && tidy(account, result.before(), now, false)) continue;
            throw refusal(account, charge, change, result.before(), minute, now);
        }
    }

    /**
     * Turns the reservation into what the request really cost ({@code actualCost}, null or 0 for
     * nothing) and used ({@code actualTokens}). Never throws: a failure is reported, and the reservation
     * then lapses at its expiry.
     */
    public void settle(Reservation reservation, BigDecimal actualCost, long actualTokens) {
        try {
            settleOrThrow(reservation, actualCost, actualTokens);
        } catch (RuntimeException e) {
            Diagnostics.warn("access_settlement_failed", "account", reservation.account().label(),
                    "error", e.getClass().getName());
        }
    }

    private void settleOrThrow(Reservation r, BigDecimal actualCost, long actualTokens) {
        BigDecimal cost = actualCost == null || actualCost.signum() < 0 ? BigDecimal.ZERO : actualCost;
        Instant now = clock.instant();
        long period = r.account().limits().periodStart(now);
        CounterUpdate.Builder recorded = CounterUpdate.builder();
        if (cost.signum() > 0) {
            recorded.add(used(period), cost).add(spent(period), cost).add(SPEND_TOTAL, cost);
        }
        long extraTokens = actualTokens - r.charge().tokens();
        if (r.windows() && extraTokens > 0) recorded.add(tpm(minute(now)), extraTokens);
        CounterUpdate.Builder full = CounterUpdate.builder();
        recorded.build().add().forEach(full::add);
        boolean releases = false;
        if (r.budget() && r.charge().cost().signum() > 0) {
            String bucket = reserved(r.period(), r.expiryMinute());
            full.add(bucket, r.charge().cost().negate()).add(used(r.period()), r.charge().cost().negate());
            full.require(new CounterUpdate.Present(bucket));
            releases = true;
        }
        if (r.parallel()) {
            String bucket = inFlight(r.expiryMinute());
            full.add(bucket, -1).add(ACTIVE, -1);
            full.require(new CounterUpdate.Present(bucket));
            releases = true;
        }
        if (full.isEmpty()) return;
        String id = r.account().counterId();
        CounterUpdate change = full.build();
        AccessStore.CounterResult result = store.update(id, change);
        Map<String, BigDecimal> after;
        if (result.applied()) {
            after = change.applyTo(result.before());
        } else {
            // The reservation outlived its expiry and was released by someone else: record the spend alone.
            CounterUpdate spendOnly = recorded.build();
            if (spendOnly.isEmpty()) return;
            after = spendOnly.applyTo(store.update(id, spendOnly).before());
            releases = false;
        }
        remember(id, period, after.getOrDefault(spent(period), BigDecimal.ZERO));
        boolean ownBucketEmptied = releases && (isZero(after.get(reserved(r.period(), r.expiryMinute())))
                || isZero(after.get(inFlight(r.expiryMinute()))));
        boolean openedWindowOrPeriod = r.written() && ((r.windows() && !r.before().containsKey(rpm(r.minute())))
                || (r.budget() && !r.before().containsKey(used(r.period()))));
        if (ownBucketEmptied || openedWindowOrPeriod) tidy(r.account(), after, now, true);
    }

    /** The account's settled spend in its current period, as this instance last saw it, else as stored. */
    public BigDecimal spend(Account account) {
        long period = account.limits().periodStart(clock.instant());
        synchronized (spendSeen) {
            Seen seen = spendSeen.get(account.counterId());
            if (seen != null && seen.period() == period) return seen.spent();
        }
        BigDecimal spent = store.counters(account.counterId()).getOrDefault(spent(period), BigDecimal.ZERO);
        remember(account.counterId(), period, spent);
        return spent;
    }

    public Usage usage(Account account) {
        Instant now = clock.instant();
        Limits limits = account.limits();
        long period = limits.periodStart(now);
        long minute = minute(now);
        Map<String, BigDecimal> item = store.counters(account.counterId());
        BigDecimal reserved = BigDecimal.ZERO;
        long inFlight = 0;
        for (var e : item.entrySet()) {
            long[] bucket = bucket(e.getKey(), "resv_");
            if (bucket != null && bucket[0] == period && bucket[1] >= minute) reserved = reserved.add(e.getValue());
            long[] act = bucket(e.getKey(), "act_");
            if (act != null && act[1] >= minute) inFlight += e.getValue().longValue();
        }
        return new Usage(item.getOrDefault(spent(period), BigDecimal.ZERO).stripTrailingZeros(), reserved.stripTrailingZeros(),
                item.getOrDefault(SPEND_TOTAL, BigDecimal.ZERO).stripTrailingZeros(),
                item.getOrDefault(rpm(minute), BigDecimal.ZERO).longValue(),
                item.getOrDefault(tpm(minute), BigDecimal.ZERO).longValue(), inFlight, limits.budgetResetAt(now));
    }

    /**
     * Releases expired reservations and drops what no longer counts (past windows, emptied groups, past
     * periods); with {@code emptied}, also groups that reached 0. True when it released an expired
     * reservation, so a refused request may try again.
     */
    private boolean tidy(Account account, Map<String, BigDecimal> item, Instant now, boolean emptied) {
        long minute = minute(now);
        long period = account.limits().periodStart(now);
        CounterUpdate.Builder update = CounterUpdate.builder();
        boolean released = false;
        Set<Long> periodsHeld = new HashSet<>();
        for (var e : item.entrySet()) {
            String name = e.getKey();
            BigDecimal value = e.getValue();
            long[] resv = bucket(name, "resv_");
            if (resv != null) periodsHeld.add(resv[0]);
            long[] act = bucket(name, "act_");
            long expiry = resv != null ? resv[1] : act != null ? act[1] : Long.MAX_VALUE;
            if (expiry < minute) {
                if (value.signum() != 0) {
                    update.add(resv != null ? used(resv[0]) : ACTIVE, value.negate());
                    released = true;
                }
                update.remove(name).require(new CounterUpdate.Equal(name, value));
            } else if (expiry != Long.MAX_VALUE && emptied && value.signum() == 0) {
                update.remove(name).require(new CounterUpdate.Equal(name, value));
            } else if ((name.startsWith("rpm_") || name.startsWith("tpm_")) && suffix(name) < minute) {
                update.remove(name);
            }
        }
        CounterUpdate draft = update.build();
        for (String name : item.keySet()) {
            boolean pastPeriod = (name.startsWith("used_") || name.startsWith("spent_")) && suffix(name) < period;
            if (pastPeriod && !periodsHeld.contains(suffix(name)) && !draft.add().containsKey(name)) update.remove(name);
        }
        if (update.isEmpty()) return false;
        try {
            return store.update(account.counterId(), update.build()).applied() && released;
        } catch (RuntimeException e) {
            Diagnostics.warn("access_tidy_failed", "account", account.label(), "error", e.getClass().getName());
            return false;
        }
    }

    private RelayException refusal(Account account, Charge charge, CounterUpdate change, Map<String, BigDecimal> item,
                                   long minute, Instant now) {
        for (CounterUpdate.Condition condition : change.conditions()) {
            if (condition.holds(item)) continue;
            String name = condition.attribute();
            if (name.startsWith("used_")) return budgetExceeded(account, charge, item, now);
            if (name.equals(ACTIVE)) return tooManyInFlight(account, now);
            return overRate(account, name.startsWith("rpm_"), item, minute, charge, now);
        }
        // The item changed between the failed write and its snapshot: rare, and worth a retry by the client.
        return new RelayException(ErrorKind.RATE_LIMIT, "Too many requests at once for " + account.label() + "; try again.",
                null, Map.of("retry-after", "1"), null);
    }

    private RelayException budgetExceeded(Account account, Charge charge, Map<String, BigDecimal> item, Instant now) {
        Limits limits = account.limits();
        long period = limits.periodStart(now);
        BigDecimal spent = item.getOrDefault(spent(period), BigDecimal.ZERO);
        BigDecimal held = item.getOrDefault(used(period), BigDecimal.ZERO).subtract(spent);
        StringBuilder message = new StringBuilder("Budget has been exceeded! ").append(capitalized(account.label()))
                .append(": current cost ").append(usd(spent)).append(", max budget ").append(usd(limits.maxBudget()));
        if (held.signum() > 0) message.append(", reserved by requests in flight ").append(usd(held));
        message.append(". This request could cost up to ").append(usd(charge.cost()))
                .append(" (its prompt and max_tokens, or the model's longest answer, at catalog prices)");
        Instant reset = limits.budgetResetAt(now);
        if (reset != null) message.append("; the budget resets at ").append(reset);
        message.append('.');
        return new RelayException(ErrorKind.BUDGET_EXCEEDED, message.toString());
    }

    private static RelayException tooManyInFlight(Account account, Instant now) {
        int limit = account.limits().maxParallelRequests();
        return new RelayException(ErrorKind.RATE_LIMIT, "Rate limit exceeded for " + account.label() + ": max_parallel_requests "
                + limit + " requests are already in flight. Try again when one has finished.", null,
                Map.of("retry-after", "1"), null);
    }

    private static RelayException overRate(Account account, boolean requests, Map<String, BigDecimal> item, long minute,
                                           Charge charge, Instant now) {
        Limits limits = account.limits();
        long retryAfter = Math.max(1, (minute + 1) * 60 - now.getEpochSecond());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("retry-after", Long.toString(retryAfter));
        if (limits.rpmLimit() != null) {
            long used = item.getOrDefault(rpm(minute), BigDecimal.ZERO).longValue();
            headers.put("x-ratelimit-limit-requests", limits.rpmLimit().toString());
            headers.put("x-ratelimit-remaining-requests", Long.toString(Math.max(0, limits.rpmLimit() - used)));
        }
        if (limits.tpmLimit() != null) {
            long used = item.getOrDefault(tpm(minute), BigDecimal.ZERO).longValue();
            headers.put("x-ratelimit-limit-tokens", limits.tpmLimit().toString());
            headers.put("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, limits.tpmLimit() - used)));
        }
        String what = requests ? "rpm_limit " + limits.rpmLimit() + " requests" : "tpm_limit " + limits.tpmLimit() + " tokens";
        return new RelayException(ErrorKind.RATE_LIMIT, "Rate limit exceeded for " + account.label() + ": " + what
                + " per minute reached. Try again in " + retryAfter + " s.", null, headers, null);
    }

    private void remember(String counterId, long period, BigDecimal spent) {
        synchronized (spendSeen) {
            spendSeen.put(counterId, new Seen(period, spent));
        }
    }

    private record Seen(long period, BigDecimal spent) {}

    static long minute(Instant now) {
        return Math.floorDiv(now.getEpochSecond(), 60);
    }

    static String used(long period) {
        return "used_" + period;
    }

    static String spent(long period) {
        return "spent_" + period;
    }

    static String reserved(long period, long expiryMinute) {
        return "resv_" + period + "_" + expiryMinute;
    }

    static String inFlight(long expiryMinute) {
        return "act_" + expiryMinute;
    }

    static String rpm(long minute) {
        return "rpm_" + minute;
    }

    static String tpm(long minute) {
        return "tpm_" + minute;
    }

    /** {@code resv_P_E} as {P, E}; {@code act_E} as {0, E}; else null. */
    private static long[] bucket(String name, String prefix) {
        if (!name.startsWith(prefix)) return null;
        String rest = name.substring(prefix.length());
        try {
            if (prefix.equals("act_")) return new long[] {0, Long.parseLong(rest)};
            int underscore = rest.indexOf('_');
            if (underscore < 0) return null;
            return new long[] {Long.parseLong(rest.substring(0, underscore)), Long.parseLong(rest.substring(underscore + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long suffix(String name) {
        try {
            return Long.parseLong(name.substring(name.indexOf('_') + 1));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static boolean isZero(BigDecimal value) {
        return value != null && value.signum() == 0;
    }

    static String usd(BigDecimal amount) {
        return "$" + amount.stripTrailingZeros().toPlainString();
    }

    private static String capitalized(String label) {
        return label.isEmpty() ? label : Character.toUpperCase(label.charAt(0)) + label.substring(1);
    }
}
