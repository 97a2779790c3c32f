package relay.core.routing;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.TimeoutExceededException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.catalog.ModelInfo;
import relay.core.log.Attempt;
import relay.core.provider.Deployment;
import relay.core.provider.ModelRouter;

/**
 * Decides which deployment serves a request and what happens when one fails: per attempt a timeout
 * and retries with backoff (honouring {@code retry-after}); per deployment a cool-down; per group
 * the next deployment, then the configured fallbacks; all within the request's deadline. Every
 * attempt is recorded on the request's trace.
 */
public final class Router {
    /** Below this, starting another attempt is pointless. */
    static final Duration MIN_ATTEMPT = Duration.ofMillis(200);

    private final ModelRouter groups;
    private final RouterPolicy policy;
    private final Clock clock;
    private final LoadBalancer balancer;
    /** The one source of chance (picks and jitter), so a SnapStart restore re-seeds both. */
    private final RandomGenerator random;
    /** Monotonic nanoseconds for the deployments' cool-downs. */
    private final LongSupplier ticker;
    private final Map<Deployment, DeploymentState> states = new ConcurrentHashMap<>();

    public Router(ModelRouter groups, RouterPolicy policy, Clock clock, RandomGenerator random) {
        this(groups, policy, clock, random, System::nanoTime);
    }

    /** With the cool-downs timed by {@code ticker} (monotonic nanoseconds), so a test can move their time. */
    Router(ModelRouter groups, RouterPolicy policy, Clock clock, RandomGenerator random, LongSupplier ticker) {
        this.groups = groups;
        this.policy = policy;
        this.clock = clock;
        this.ticker = ticker;
        this.balancer = new LoadBalancer(policy.strategy(), random);
        this.random = random;
    }

    /** One call of a deployment within {@code timeout}; throws a {@link RelayException} on failure. */
    @FunctionalInterface
    public interface DeploymentCall<T> {
        T call(Deployment deployment, Duration timeout);
    }

    /**
     * What the request asks of the router.
     *
     * @param requestFallbacks the request's own {@code fallbacks}, tried before the configured ones
     * @param numRetries       the request's {@code num_retries}, or null for the configured number
     * @param streamStarted    true once bytes have gone to the client: from then on nothing is retried
     * @param fallbacksDisabled the request's {@code disable_fallbacks}: no fallback of any kind, only the model's own deployments
     * @param streamProgress   for a stream, its chunks as they come (null for a call answered whole): the deployment's
     *                         timeout then bounds the wait for the first chunk, and {@code stream_timeout} each later one
     * @param tags             the request's tags: with tag filtering on, they pick the deployments of every group tried
     */
    public record Plan(String model, List<String> requestFallbacks, Integer numRetries, Instant deadline,
                       BooleanSupplier streamStarted, int promptTokensAtLeast, boolean fallbacksDisabled,
                       StreamProgress streamProgress, List<String> tags) {
        public Plan {
            requestFallbacks = requestFallbacks == null || fallbacksDisabled ? List.of() : List.copyOf(requestFallbacks);
            streamStarted = streamStarted == null ? () -> false : streamStarted;
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        /** Without tags. */
        public Plan(String model, List<String> requestFallbacks, Integer numRetries, Instant deadline,
                    BooleanSupplier streamStarted, int promptTokensAtLeast, boolean fallbacksDisabled,
                    StreamProgress streamProgress) {
            this(model, requestFallbacks, numRetries, deadline, streamStarted, promptTokensAtLeast, fallbacksDisabled, streamProgress, null);
        }

        /** A call answered whole (no stream progress to watch). */
        public Plan(String model, List<String> requestFallbacks, Integer numRetries, Instant deadline,
                    BooleanSupplier streamStarted, int promptTokensAtLeast, boolean fallbacksDisabled) {
            this(model, requestFallbacks, numRetries, deadline, streamStarted, promptTokensAtLeast, fallbacksDisabled, null);
        }

        public Plan(String model, List<String> requestFallbacks, Integer numRetries, Instant deadline,
                    BooleanSupplier streamStarted, int promptTokensAtLeast) {
            this(model, requestFallbacks, numRetries, deadline, streamStarted, promptTokensAtLeast, false);
        }

        public Plan(String model, List<String> requestFallbacks, Integer numRetries, Instant deadline, BooleanSupplier streamStarted) {
            this(model, requestFallbacks, numRetries, deadline, streamStarted, 0);
        }
    }

    /**
     * A deployment's answer.
     *
     * @param group           the model group whose deployment answered
     * @param requestFallback whether that group was reached through the request's own {@code fallbacks} (directly, or
     *                        through a configured fallback of one): its answer is not the requested model's, nor one the
     *                        config stands behind, so it must never be cached as the requested model's answer
     */
    public record Routed<T>(T value, Deployment deployment, String group, boolean requestFallback) {}

    public <T> Routed<T> run(Plan plan, RequestTrace trace, DeploymentCall<T> call) {
        List<Deployment> primary = groups.route(plan.model(), plan.tags()); // an unknown model stops here: nothing to fall back from
        Deque<String> queue = new ArrayDeque<>();
        Set<String> seen = new LinkedHashSet<>();
        seen.add(plan.model());
        // per group: whether the config stands behind it answering this request (the model, the config's fallbacks)
        Map<String, Boolean> configured = new java.util.HashMap<>();
        configured.put(plan.model(), true);
        List<RelayException> failures = new ArrayList<>();
        String group = plan.model();
        List<Deployment> deployments = primary;
        while (true) {
            ErrorKind groupFailure = null;
            for (Deployment deployment : balancer.order(deployments, statesOf(deployments))) {
                // the whole time to the deadline: the request log is written after the answer, outside it
                Duration remaining = Duration.between(clock.instant(), plan.deadline());
                if (remaining.compareTo(MIN_ATTEMPT) < 0) {
                    String note = "The request's time ran out before " + deployment.id() + " could be tried.";
                    failures.add(new RelayException(ErrorKind.REQUEST_TIMEOUT, note));
                    throw allFailed(failures, trace, note);
                }
                Integer window = groups.info(deployment).map(ModelInfo::maxInputTokens).orElse(null);
                if (window != null && plan.promptTokensAtLeast() > window) {
                    // known not to fit: skip the call, as if the provider had said so
                    String why = "the prompt has at least " + plan.promptTokensAtLeast() + " tokens; "
                            + deployment.id() + " takes " + window;
                    trace.attempt(new Attempt(deployment.id(), 400, ErrorKind.CONTEXT_WINDOW_EXCEEDED.code(), why, 0));
                    failures.add(new RelayException(ErrorKind.CONTEXT_WINDOW_EXCEEDED, "Context window exceeded: " + why + "."));
                    groupFailure = ErrorKind.CONTEXT_WINDOW_EXCEEDED;
                    if (!targets(groupFailure, group).isEmpty()) break;
                    continue;
                }
                DeploymentState state = state(deployment);
                if (!state.tryAcquire()) {
                    long seconds = Math.max(1, (state.remainingCooldown().toMillis() + 999) / 1000);
                    String why = "cooling down after repeated failures; back in " + seconds + " s";
                    trace.attempt(new Attempt(deployment.id(), 429, "cooling_down", why, 0));
                    failures.add(new RelayException(ErrorKind.RATE_LIMIT, deployment.id() + " is " + why, null,
                            Map.of("retry-after", Long.toString(seconds)), null));
                    continue;
                }
                try {
                    T value = attempt(deployment, state, plan, trace, remaining, call);
                    return new Routed<>(value, deployment, group, !configured.get(group));
                } catch (RelayException e) {
                    failures.add(e);
                    if (plan.streamStarted().getAsBoolean() || !Failures.fallbackable(e.kind())) throw e;
                    if (e.kind() == ErrorKind.CONTEXT_WINDOW_EXCEEDED || e.kind() == ErrorKind.CONTENT_POLICY) {
                        groupFailure = e.kind();
                        if (!targets(e.kind(), group).isEmpty()) break; // the configured path for this failure
                    }
                }
            }
            if (!plan.fallbacksDisabled()) {
                // the path for this failure first, then the request's own fallbacks, then the configured ones
                boolean trusted = configured.get(group);
                if (groupFailure != null) enqueue(queue, seen, configured, targets(groupFailure, group), trusted);
                if (group.equals(plan.model())) enqueue(queue, seen, configured, plan.requestFallbacks(), false);
                enqueue(queue, seen, configured, targets(null, group), trusted);
            }
            if (queue.isEmpty()) throw allFailed(failures, trace, null);
            group = queue.poll();
            try {
                deployments = groups.route(group, plan.tags());
            } catch (RelayException unknown) {
                trace.attempt(new Attempt(group, 404, "model_not_found", "fallback model is not configured", 0));
                failures.add(unknown);
                deployments = List.of();
            }
        }
    }

    /** One deployment, with retries for retryable failures, inside the remaining time. */
    private <T> T attempt(Deployment deployment, DeploymentState state, Plan plan, RequestTrace trace,
                          Duration remaining, DeploymentCall<T> call) {
        int retries = plan.numRetries() != null ? Math.max(0, plan.numRetries()) : policy.numRetries();
        Instant attemptDeadline = clock.instant().plus(remaining);
        RetryPolicy<T> retry = RetryPolicy.<T>builder()
                .handleIf(e -> !plan.streamStarted().getAsBoolean() && Failures.retryable(e))
                // no retry of a deployment that is cooling down now, nor one that could not start in time
                .abortIf((result, e) -> e != null && (state.coolingDown() || Duration.between(clock.instant(), attemptDeadline)
                        .minus(retryAfter(e)).compareTo(MIN_ATTEMPT) < 0))
                .withMaxRetries(retries)
                .withDelayFn(context -> {
                    Duration asked = retryAfter(context.getLastException());
                    return asked.isZero() ? backoff(context.getAttemptCount()) : asked;
                })
                .withMaxDuration(remaining)
                .build();
        try {
            return Failsafe.with(retry).get(context -> {
                Duration left = Duration.between(clock.instant(), attemptDeadline);
                if (left.compareTo(MIN_ATTEMPT) < 0) {
                    // the backoff ate the time left: the last real failure stands (no call, so no new attempt)
                    if (context.getLastException() instanceof RelayException last) throw last;
                    throw new RelayException(ErrorKind.REQUEST_TIMEOUT, "No time was left for another try of " + deployment.id() + ".");
                }
                return once(deployment, state, plan, trace, min(deployment.timeout(), left), left, call);
            });
        } catch (FailsafeException e) {
            if (e.getCause() instanceof RelayException relay) throw relay;
            throw e;
        }
    }

    /**
     * One call. A call answered whole gets {@code timeout}; a stream gets it until its first chunk, then may run
     * until the request's deadline ({@code left}) as long as no chunk is later than the stall limit.
     */
    private <T> T once(Deployment deployment, DeploymentState state, Plan plan, RequestTrace trace, Duration timeout,
                       Duration left, DeploymentCall<T> call) {
        long start = System.nanoTime();
        state.started();
        boolean recorded = false;
        StreamProgress progress = plan.streamProgress();
        // The provider's HTTP timeout covers the wait for headers; the watch also covers a body that stalls.
        AttemptWatch watch = AttemptWatch.start(deployment.id(), timeout.plusMillis(100), progress, streamTimeout(deployment), left);
        try (watch) {
            T value = call.call(deployment, progress == null ? timeout : left);
            long millis = (System.nanoTime() - start) / 1_000_000;
            recorded = true;
            state.succeeded(millis);
            trace.attempt(new Attempt(deployment.id(), 200, null, null, millis));
            return value;
        } catch (RuntimeException thrown) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            RelayException e;
            try {
                e = watch.expired() != null && !(thrown instanceof RelayException r && r.kind() == ErrorKind.CLIENT_CLOSED)
                        ? watch.expired() : asRelay(thrown, deployment, timeout);
            } catch (RuntimeException bug) {
                recorded = true;
                state.failed(false, millis, false); // Relay's fault, not the deployment's
                trace.attempt(new Attempt(deployment.id(), ErrorKind.INTERNAL.status(), ErrorKind.INTERNAL.code(),
                        "Relay failed while calling " + deployment.id() + ".", millis));
                throw bug;
            }
            recorded = true;
            // A timeout counts against the deployment only when its own limit ran out (its timeout, stream_timeout):
            // when the request's deadline cut the attempt short, the client's impatience was the cause.
            boolean cutByRequestDeadline = e.kind() == ErrorKind.REQUEST_TIMEOUT && (watch.expired() != null
                    ? watch.endedAtDeadline() : progress != null || left.compareTo(deployment.timeout()) <= 0);
            state.failed(Failures.countsAgainstDeployment(e.kind()) && !cutByRequestDeadline, millis,
                    e.kind() == ErrorKind.REQUEST_TIMEOUT);
            trace.attempt(new Attempt(deployment.id(), e.kind().status(), e.kind().code() == null ? e.kind().type() : e.kind().code(),
                    e.getMessage(), millis));
            throw e;
        } finally {
            // an Error (Relay's, not the deployment's): keep the in-flight count and a half-open trial permit right
            if (!recorded) {
                long millis = (System.nanoTime() - start) / 1_000_000;
                state.failed(false, millis, false);
                try {
                    trace.attempt(new Attempt(deployment.id(), ErrorKind.INTERNAL.status(), ErrorKind.INTERNAL.code(),
                            "Relay failed while calling " + deployment.id() + ".", millis));
                } catch (Error stillFailing) {
                    // the Error on its way out matters more than this line of the record
                }
            }
        }
    }

    /** The failure as Relay's error; a bug (any other exception) is rethrown as it is, to become a 500. */
    private static RelayException asRelay(RuntimeException thrown, Deployment deployment, Duration timeout) {
        if (thrown instanceof RelayException relay) return relay;
        if (thrown instanceof TimeoutExceededException) {
            return new RelayException(ErrorKind.REQUEST_TIMEOUT, deployment.id() + " did not finish within " + timeout.toMillis() + " ms.");
        }
        if (thrown instanceof FailsafeException f && f.getCause() instanceof RelayException relay) return relay;
        throw thrown;
    }

    /** How long a started stream may go without a chunk: LiteLLM's {@code stream_timeout}, in seconds. */
    static final Duration DEFAULT_STREAM_TIMEOUT = Duration.ofSeconds(60);

    private static Duration streamTimeout(Deployment deployment) {
        String seconds = deployment.option(Deployment.STREAM_TIMEOUT);
        if (seconds == null) return DEFAULT_STREAM_TIMEOUT;
        try {
            double value = Double.parseDouble(seconds);
            return value > 0 ? Duration.ofMillis((long) (value * 1000)) : DEFAULT_STREAM_TIMEOUT;
        } catch (NumberFormatException e) {
            return DEFAULT_STREAM_TIMEOUT;
        }
    }

    private List<String> targets(ErrorKind failure, String group) {
        Map<String, List<String>> table = failure == ErrorKind.CONTEXT_WINDOW_EXCEEDED ? policy.contextWindowFallbacks()
                : failure == ErrorKind.CONTENT_POLICY ? policy.contentPolicyFallbacks()
                : policy.fallbacks();
        List<String> targets = table.get(group);
        return targets != null ? targets : table.getOrDefault("*", List.of());
    }

    /** Queues the groups not seen yet; a group the config also leads to counts as configured, however it came first. */
    private static void enqueue(Deque<String> queue, Set<String> seen, Map<String, Boolean> configured, List<String> targets,
                                boolean byConfig) {
        for (String target : targets) {
            if (seen.add(target)) queue.add(target);
            configured.merge(target, byConfig, Boolean::logicalOr);
        }
    }

    /** How many failed attempts the client's error message lists; the request log has the rest. */
    static final int MAX_FAILURES_LISTED = 10;

    /** One error for the client: the most telling failure's kind, and a message listing the failures (the first ones). */
    private static RelayException allFailed(List<RelayException> failures, RequestTrace trace, String note) {
        RelayException telling = failures.stream().max(Comparator.comparingInt(e -> Failures.telling(e.kind()))).orElseThrow();
        if (failures.size() == 1) return telling;
        List<Attempt> failed = trace.attempts().stream()
                .filter(a -> !a.succeeded() && !RequestTrace.ATTEMPTS_OMITTED.equals(a.errorType())).toList();
        int count = trace.attemptCount();
        List<String> parts = failed.stream().limit(MAX_FAILURES_LISTED)
                .map(a -> a.deployment() + " (" + a.status() + " " + a.errorType() + ": " + a.message() + ")").toList();
        String more = count > parts.size() ? "; and " + (count - parts.size()) + " more (see the request log)" : "";
        String message = count == 1 && note != null
                ? failures.get(0).getMessage() + " " + note // one real failure, then the deadline
                : "All " + count + " attempts failed: " + String.join("; ", parts) + more + (note == null ? "" : ". " + note);
        return new RelayException(telling.kind(), message, telling.param(), telling.headers(), null);
    }

    /** Exponential backoff with jitter: base, 2 x base, 4 x base … up to the maximum, each ±20 %. */
    Duration backoff(int attempts) {
        long base = policy.backoffBase().toMillis() << Math.min(20, Math.max(0, attempts - 1));
        long capped = Math.min(base, policy.backoffMax().toMillis());
        double jitter = 0.8 + 0.4 * random.nextDouble();
        return Duration.ofMillis((long) (capped * jitter));
    }

    /** The wait a provider asked for with {@code retry-after-ms} or {@code retry-after}; zero when none. */
    static Duration retryAfter(Throwable e) {
        if (!(e instanceof RelayException relay)) return Duration.ZERO;
        String millis = relay.headers().get("retry-after-ms");
        String value = relay.headers().get("retry-after");
        try {
            if (millis != null) return Duration.ofMillis((long) Double.parseDouble(millis.strip()));
            if (value == null) return Duration.ZERO;
            if (value.strip().matches("\\d+(\\.\\d+)?")) return Duration.ofMillis((long) (Double.parseDouble(value.strip()) * 1000));
            Duration until = Duration.between(Instant.now(), ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (RuntimeException unparseable) {
            return Duration.ZERO;
        }
    }

    private Map<Deployment, DeploymentState> statesOf(List<Deployment> deployments) {
        deployments.forEach(this::state);
        return states;
    }

    private DeploymentState state(Deployment deployment) {
        return states.computeIfAbsent(deployment, d -> new DeploymentState(policy.allowedFails(), policy.cooldown(), ticker));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
