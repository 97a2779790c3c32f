package relay.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/**
 * OpenAI's optional chat parameters, and the check that a provider can honour the ones a request
 * uses: a parameter it cannot take is a 400 naming it, unless {@code drop_params} asks to drop it.
 */
public final class ChatParams {
    /** Every optional OpenAI chat parameter a provider may or may not support. */
    public static final Set<String> OPTIONAL = Set.of(
            "temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "stop", "seed",
            "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
            "response_format", "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call",
            "service_tier", "store", "reasoning_effort", "modalities", "audio", "prediction", "web_search_options");

    private ChatParams() {}

    /**
     * The request a provider supporting only {@code supported} may receive: unchanged when it uses
     * nothing else; with the others removed when {@code dropParams}; otherwise a 400 naming the first.
     */
    public static ChatCompletionRequest fit(ChatCompletionRequest request, String provider, Set<String> supported, boolean dropParams) {
        if (supported == null) return request; // passes everything through (OpenAI-compatible)
        List<String> unsupported = new ArrayList<>();
        request.body().fieldNames().forEachRemaining(field -> {
            if (OPTIONAL.contains(field) && !supported.contains(field) && used(field, request.body().get(field))) {
                unsupported.add(field);
            }
        });
        if (unsupported.isEmpty()) return request;
        boolean drop = dropParams || request.body().path("drop_params").asBoolean(false);
        if (!drop) {
            String field = unsupported.stream().sorted().findFirst().orElseThrow();
            throw new RelayException(relay.core.error.ErrorKind.UNSUPPORTED_PARAMS, "Provider '" + provider
                    + "' does not support the parameter '" + field
                    + "'. Remove it, or set drop_params: true (in the request or in litellm_settings) to drop it.", field);
        }
        ObjectNode body = request.body().deepCopy();
        body.remove(unsupported);
        return RequestParser.chat(body);
    }

    /**
     * The request for a model that does not reason (as the catalog says): {@code reasoning_effort} is a 400 naming it,
     * or dropped with {@code drop_params}, as LiteLLM does; {@code "none"} asks for nothing and is dropped quietly.
     */
    public static ChatCompletionRequest withoutReasoning(ChatCompletionRequest request, String deploymentId, boolean dropParams) {
        JsonNode effort = request.body().get("reasoning_effort");
        if (effort == null) return request;
        boolean asks = !effort.isNull() && !"none".equals(effort.asText());
        if (asks && !dropParams && !request.body().path("drop_params").asBoolean(false)) {
            throw new RelayException(relay.core.error.ErrorKind.UNSUPPORTED_PARAMS, "Model '" + deploymentId
                    + "' does not reason (supports_reasoning is not set in Relay's catalog), so it cannot take 'reasoning_effort'."
                    + " Remove it, or set drop_params: true (in the request or in litellm_settings) to drop it.", "reasoning_effort");
        }
        ObjectNode body = request.body().deepCopy();
        body.remove("reasoning_effort");
        return RequestParser.chat(body);
    }

    /** Whether a parameter asks for something: absent, null, {@code n: 1} and an empty list ask for nothing. */
    private static boolean used(String field, JsonNode value) {
        if (value == null || value.isNull()) return false;
        if (field.equals("n")) return value.asInt(1) != 1;
        if (value.isArray() || value.isObject()) return !value.isEmpty();
        return true;
    }
}
