package relay.sinks;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import relay.core.keys.KeyStore;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;

/** Request-log records and key stores the sink tests share. */
final class Records {
    static final Instant TIME = Instant.parse("2025-05-01T12:00:00.250Z");
    static final String PROVIDER_KEY = "sk-proj-PROVIDERKEYabcdef123456";
    static final String PROMPT = "What is the capital of France?";
    static final String ANSWER = "Paris is the capital of France.";
    static final String REQUEST_BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    static final String RESPONSE_BODY = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + ANSWER + "\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":30,\"total_tokens\":42}}";

    private Records() {}

    static RequestLog success(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions",
                new RequestLog.Caller("3f1a9c", "team-a", "user-7", Map.of("project", "demo")),
                "gpt-4o", "openai/gpt-4o", "openai", 200, 840, 800L, 12, 30, 42, new BigDecimal("0.00042"), false, "miss",
                null, null, null, List.of(new Attempt("openai/gpt-4o", 200, null, null, 800)),
                new RequestLog.Bodies(REQUEST_BODY, RESPONSE_BODY, false), TIME.plus(Duration.ofDays(30)));
    }

    static RequestLog failure(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions",
                new RequestLog.Caller("3f1a9c", "team-a", null, Map.of()),
                "gpt-4o", "openai/gpt-4o", "openai", 503, 1200, null, null, null, null, null, false, "miss",
                "api_error", "provider_unavailable", "Provider openai returned 503: overloaded",
                List.of(new Attempt("openai/gpt-4o", 503, "provider_unavailable", "openai returned 503: overloaded", 1100)),
                new RequestLog.Bodies(REQUEST_BODY, null, false), TIME.plus(Duration.ofDays(30)));
    }

    static KeyStore keys(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }
}
