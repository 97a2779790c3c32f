package relay.core.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.error.RelayException;
import relay.core.log.LogQuery;
import relay.core.log.RequestLog;

/** {@code GET /spend/logs} as in LiteLLM's proxy: its query parameters in, its row shape out. */
final class SpendLogs {
    static final int DEFAULT_LIMIT = 100;

    private SpendLogs() {}

    /**
     * {@code request_id}, {@code api_key} (a key, hashed here) or {@code key_hash}, {@code model},
     * {@code start_date} / {@code end_date} (dates or instants), {@code limit}.
     */
    static LogQuery query(Map<String, String> params) {
        String keyHash = params.get("key_hash");
        if (params.get("api_key") != null) keyHash = Callers.hash(params.get("api_key"));
        int limit = DEFAULT_LIMIT;
        if (params.get("limit") != null) {
            try {
                limit = Integer.parseInt(params.get("limit"));
            } catch (NumberFormatException e) {
                throw RelayException.invalid("limit", "'limit' must be a number.");
            }
            if (limit < 1 || limit > LogQuery.MAX_LIMIT) {
                throw RelayException.invalid("limit", "'limit' must be from 1 to " + LogQuery.MAX_LIMIT + ".");
            }
        }
        Instant from = instant(params, "start_date", false);
        Instant to = instant(params, "end_date", true);
        if (from != null && to != null && from.isAfter(to)) {
            throw RelayException.invalid("start_date", "'start_date' is after 'end_date'.");
        }
        return new LogQuery(params.get("request_id"), keyHash, params.get("model"), from, to, limit);
    }

    private static Instant instant(Map<String, String> params, String name, boolean endOfDay) {
        String value = params.get(name);
        if (value == null || value.isBlank()) return null;
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (endOfDay ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw RelayException.invalid(name, "'" + name + "' must be a date (2026-01-31) or an instant (2026-01-31T12:00:00Z).");
        }
    }

    /** One row, with LiteLLM's SpendLogs names. */
    static Map<String, Object> row(RequestLog r) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("request_id", r.requestId());
        row.put("call_type", r.route());
        row.put("api_key", r.caller().keyHash());
        row.put("key_alias", r.caller().keyAlias());
        row.put("user", r.caller().user());
        row.put("metadata", r.caller().metadata());
        row.put("model", r.requestedModel());
        row.put("model_id", r.deployment());
        row.put("custom_llm_provider", r.provider());
        row.put("spend", r.costUsd());
        row.put("prompt_tokens", r.promptTokens());
        row.put("completion_tokens", r.completionTokens());
        row.put("total_tokens", r.totalTokens());
        row.put("startTime", r.time().toString());
        row.put("endTime", r.time().plusMillis(r.latencyMillis()).toString());
        row.put("status", r.status());
        row.put("error_type", r.errorType());
        row.put("cache_hit", r.cacheStatus() != null && r.cacheStatus().startsWith("hit"));
        row.put("fallbacks", Math.max(0, (int) r.attempts().stream().filter(a -> !a.succeeded()).count()));
        return row;
    }
}
