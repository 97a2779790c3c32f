package relay.core.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The request fields that steer Relay itself, as LiteLLM names them, and so never reach a provider: unknown
 * fields pass through to OpenAI-compatible hosts (a new OpenAI parameter works before Relay knows it), so
 * everything here is removed from every provider's body, in {@link #removeFrom}. Sending one upstream would
 * fail the call (OpenAI answers unknown parameters with a 400) or hand a client's credentials or addresses to
 * the provider. None of them changes the answer, so none is part of a cache key.
 */
public final class RelayFields {
    private RelayFields() {}

    public static final Set<String> ALL = Set.of(
            // routing and reliability
            "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "context_window_fallback_dict",
            "disable_fallbacks", "num_retries", "max_retries", "retry_policy", "cooldown_time",
            "timeout", "request_timeout", "stream_timeout", "force_timeout",
            "mock_response", "mock_timeout", "mock_testing_fallbacks",
            "drop_params", "additional_drop_params", "allowed_openai_params",
            // the response cache
            "cache", "caching", "ttl", "cache_key", "no-log",
            // guardrails (Relay runs them before the call)
            "guardrails", "disable_global_guardrails",
            // the request log
            "metadata", "litellm_metadata", "tags", "litellm_trace_id", "litellm_session_id", "litellm_call_id",
            "proxy_server_request",
            // where and as whom to call: the deployment's business, never the client's
            "api_key", "api_base", "base_url", "api_version", "organization", "extra_headers", "headers",
            "custom_llm_provider", "azure_ad_token", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
            "aws_region_name", "aws_profile_name", "vertex_project", "vertex_location", "vertex_credentials",
            "region_name", "model_list", "model_info", "input_cost_per_token", "output_cost_per_token");

    /**
     * The fields Relay itself acts on in a request (routing, timing, caching, tags): a request in another
     * API's shape (Anthropic's Messages, OpenAI's Responses) keeps them when it is translated to chat.
     */
    public static final List<String> ACTED_ON = List.of("mock_response", "fallbacks", "num_retries", "timeout",
            "request_timeout", "stream_timeout", "cache", "disable_fallbacks", "drop_params", "tags");

    /** Copies the {@link #ACTED_ON} fields {@code from} has onto a translated request. */
    public static void carry(ObjectNode from, ObjectNode to) {
        for (String field : ACTED_ON) {
            if (from.has(field)) to.set(field, from.get(field));
        }
    }

    /**
     * A copy of a body for a provider that speaks its API natively (Anthropic's Messages, OpenAI's Responses):
     * without Relay's own fields, but with {@code metadata}, which is those APIs' field too, less the entries that
     * steer Relay ({@code tags}, {@code guardrails}).
     */
    public static ObjectNode nativeBody(ObjectNode body) {
        ObjectNode copy = body.deepCopy();
        com.fasterxml.jackson.databind.JsonNode metadata = copy.get("metadata");
        removeFrom(copy);
        if (metadata != null) {
            if (metadata.isObject()) ((ObjectNode) metadata).remove(List.of("tags", "guardrails"));
            copy.set("metadata", metadata);
        }
        return copy;
    }

    /** Removes Relay's own fields from a body that is about to be sent to a provider. */
    public static ObjectNode removeFrom(ObjectNode body) {
        body.remove(ALL);
        return body;
    }
}
