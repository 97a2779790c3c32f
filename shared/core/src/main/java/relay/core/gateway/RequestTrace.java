package relay.core.gateway;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import relay.core.error.ErrorKind;
import relay.core.error.Redaction;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;
import relay.core.wire.Usage;

/** What one request did, filled in as it goes and turned into its {@link RequestLog} at the end. */
public final class RequestTrace {
    /** Bodies longer than this are cut in the log (DynamoDB items hold at most 400 KB). */
    public static final int MAX_LOGGED_BODY_CHARS = 16 * 1024;
    /**
     * The attempts a record keeps: the first ones and the last (the one that answered, or the final failure),
     * with one entry counting those between. Retries, groups and fallbacks can multiply into hundreds of
     * attempts; the record must stay well inside DynamoDB's 400 KB item.
     */
    public static final int MAX_ATTEMPTS_KEPT = 50;
    /** How much of one attempt's message the record keeps. */
    public static final int MAX_ATTEMPT_MESSAGE_CHARS = 1000;
    /** {@link Attempt#errorType()} of the entry that stands for the attempts a record leaves out. */
    public static final String ATTEMPTS_OMITTED = "attempts_omitted";

    private final String requestId;
    private final Instant start;
    private final long startNanos = System.nanoTime();
    private final String route;
    private final List<Attempt> firstAttempts = new ArrayList<>();
    private Attempt latestAttempt;
    private int omittedAttempts;
    private long omittedMillis;
    private final java.util.Set<String> failedDeploymentIds = new java.util.HashSet<>();
    private RequestLog.Caller caller = RequestLog.Caller.UNKNOWN;
    private String requestedModel;
    private String deployment;
    private Usage usage;
    private boolean stream;
    private boolean logged = true;
    private final List<Runnable> afterAnswer = new ArrayList<>(1);
    private ErrorKind streamError;
    private Instant deadline;
    private BigDecimal cost;
    private String cacheStatus = "off";
    private String cacheKey;
    private Double cacheSimilarity;
    private String requestBody;
    private RequestGate gate = RequestGate.OPEN;
    private final java.util.Map<String, String> responseHeaders = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, String> logNotes = new java.util.LinkedHashMap<>(1);

    public RequestTrace(String requestId, Instant start, String route) {
        this.requestId = requestId;
        this.start = start;
        this.route = route;
    }

    public String requestId() { return requestId; }

    public String deployment() { return deployment; }

    public Usage usage() { return usage; }

    public void caller(RequestLog.Caller caller) { this.caller = caller; }

    public RequestLog.Caller caller() { return caller; }

    public void requestedModel(String model) { this.requestedModel = model; }

    public void deployment(String deploymentId) { this.deployment = deploymentId; }

    public void usage(Usage usage) { this.usage = usage; }

    public void stream(boolean stream) { this.stream = stream; }

    public void cost(BigDecimal cost) { this.cost = cost; }

    public BigDecimal cost() { return cost; }

    /** {@code hit-exact}, {@code hit-semantic}, {@code miss} or {@code off}, as {@code x-relay-cache} says. */
    public void cacheStatus(String status) { this.cacheStatus = status; }

    public String cacheStatus() { return cacheStatus; }

    /** The exact key the answer is (or would be) cached under, for {@code x-relay-cache-key}; null when the cache is off for the request. */
    public void cacheKey(String key) { this.cacheKey = key; }

    public String cacheKey() { return cacheKey; }

    /** The score of the cached answer served, for {@code x-relay-cache-similarity} (1 for an exact hit); null when none was. */
    public void cacheSimilarity(double score) { this.cacheSimilarity = score; }

    public Double cacheSimilarity() { return cacheSimilarity; }

    public void requestBody(String body) { this.requestBody = body; }

    /** What the caller's key allows; {@link RequestGate#OPEN} for the master key. */
    public void gate(RequestGate gate) { this.gate = gate; }

    public RequestGate gate() { return gate; }

    /** A header for the client's response, such as {@code x-relay-key-spend} or {@code x-ratelimit-remaining-requests}. */
    public void responseHeader(String lowerCaseName, String value) { responseHeaders.put(lowerCaseName, value); }

    public java.util.Map<String, String> responseHeaders() { return java.util.Collections.unmodifiableMap(responseHeaders); }

    /**
     * Something Relay did to the request that its record should show, as an entry of the caller's {@code metadata}
     * (what guardrails masked: labels and counts, never a value); it wins over the client's own entry of that name.
     */
    public void logNote(String key, String value) { logNotes.put(key, value); }

    public boolean logged() { return logged; }

    /** A failure after the stream started: the client got status 200 and then an error event. */
    public void streamError(ErrorKind kind) { this.streamError = kind; }

    public ErrorKind streamError() { return streamError; }

    public void notLogged() { this.logged = false; }

    /** Work that waits until the client has its answer (a cache store); run by {@link #runAfterAnswer()}. */
    public void afterAnswer(Runnable task) { afterAnswer.add(task); }

    /** Runs the deferred work once, in order; a failing task is reported and does not stop the next. */
    public void runAfterAnswer() {
        for (Runnable task : afterAnswer) {
            try {
                task.run();
            } catch (RuntimeException e) {
                relay.core.log.Diagnostics.warn("after_answer_failed", "request_id", requestId, "error", e.getClass().getName());
            }
        }
        afterAnswer.clear();
    }

    /** Records one try at a deployment; beyond {@link #MAX_ATTEMPTS_KEPT} only the latest is kept whole, the rest counted. */
    public synchronized void attempt(Attempt attempt) {
        Attempt kept = new Attempt(attempt.deployment(), attempt.status(), attempt.errorType(),
                Redaction.scrubAndCut(attempt.message(), null, MAX_ATTEMPT_MESSAGE_CHARS), attempt.latencyMillis());
        if (!kept.succeeded()) failedDeploymentIds.add(kept.deployment());
        if (firstAttempts.size() < MAX_ATTEMPTS_KEPT - 2) {
            firstAttempts.add(kept);
            return;
        }
        if (latestAttempt != null) {
            omittedAttempts++;
            omittedMillis += latestAttempt.latencyMillis();
        }
        latestAttempt = kept;
    }

    /**
     * The attempts, in order, as the record keeps them: every one, or, past {@link #MAX_ATTEMPTS_KEPT}, the first
     * ones, an {@link #ATTEMPTS_OMITTED} entry counting those left out (with their total time), and the latest.
     */
    public synchronized List<Attempt> attempts() {
        List<Attempt> all = new ArrayList<>(firstAttempts);
        if (omittedAttempts > 0) {
            all.add(new Attempt("(" + omittedAttempts + " more)", 0, ATTEMPTS_OMITTED, omittedAttempts
                    + " more attempts were made; the record keeps the first " + firstAttempts.size() + " and the last.",
                    omittedMillis));
        }
        if (latestAttempt != null) all.add(latestAttempt);
        return List.copyOf(all);
    }

    /** How many attempts were made, those a record leaves out included. */
    public synchronized int attemptCount() {
        return firstAttempts.size() + omittedAttempts + (latestAttempt == null ? 0 : 1);
    }

    /** How many deployments failed before the one that answered (or in all, when none did). */
    public synchronized int failedDeployments() {
        return (int) failedDeploymentIds.stream().filter(d -> !d.equals(deployment)).count();
    }

    /** When the answer must be out: the Lambda's remaining time, the request's own timeout, whichever ends first. */
    public Instant deadline() { return deadline; }

    public void deadline(Instant deadline) { this.deadline = deadline; }

    /**
     * The record of this request.
     *
     * @param error        the failure's kind and message, or null on success
     * @param responseBody what the client received
     * @param logMessages  false for {@code turn_off_message_logging}: no bodies in the record
     */
    public RequestLog finish(int status, ErrorKind error, String errorMessage, String responseBody, boolean logMessages,
                             Duration retention) {
        long latencyMillis = (System.nanoTime() - startNanos) / 1_000_000;
        List<Attempt> tries = attempts();
        Long providerLatency = tries.stream().filter(Attempt::succeeded).reduce((a, b) -> b).map(Attempt::latencyMillis).orElse(null);
        String provider = deployment == null || !deployment.contains("/") ? null : deployment.substring(0, deployment.indexOf('/'));
        RequestLog.Bodies bodies = null;
        if (logMessages && (requestBody != null || responseBody != null)) {
            boolean truncated = length(requestBody) > MAX_LOGGED_BODY_CHARS || length(responseBody) > MAX_LOGGED_BODY_CHARS;
            bodies = new RequestLog.Bodies(loggable(requestBody, MAX_LOGGED_BODY_CHARS),
                    loggable(responseBody, MAX_LOGGED_BODY_CHARS), truncated);
        }
        RequestLog.Caller recorded = caller;
        if (!logNotes.isEmpty()) {
            java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>(caller.metadata());
            metadata.putAll(logNotes);
            recorded = new RequestLog.Caller(caller.keyHash(), caller.keyAlias(), caller.user(), metadata);
        }
        RequestLog record = new RequestLog(requestId, start, route, recorded, requestedModel, deployment, provider, status, latencyMillis,
                providerLatency,
                usage == null ? null : usage.promptTokens(),
                usage == null ? null : usage.completionTokens(),
                usage == null ? null : usage.totalTokens(),
                cost, stream, cacheStatus,
                error == null ? null : error.type(), error == null ? null : error.code(),
                loggable(errorMessage, 1024),
                tries, bodies, start.plus(retention));
        return record.unauthenticated() && retention.compareTo(RequestLog.UNAUTHENTICATED_RETENTION) > 0
                ? record.withExpiresAt(start.plus(RequestLog.UNAUTHENTICATED_RETENTION)) : record;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** Text as the record keeps it: whatever looks like a key scrubbed, then cut (in that order, so no key is half kept). */
    private static String loggable(String s, int max) {
        return Redaction.scrubAndCut(s, null, max);
    }
}
