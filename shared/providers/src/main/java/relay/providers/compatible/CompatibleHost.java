package relay.providers.compatible;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import relay.core.provider.ChatParams;

/**
 * A host that speaks OpenAI's chat API, described by data: served by {@link CompatibleHostProvider}.
 *
 * @param prefix            the model-name prefix, as LiteLLM spells it (e.g. {@code groq})
 * @param defaultApiBase    the base URL without {@code /chat/completions}; null when every deployment must give {@code api_base}
 * @param keyName           the key store field of the host's key; null when the host needs none
 * @param unsupportedParams {@link ChatParams#OPTIONAL} parameters the host rejects or ignores (its known gaps),
 *                          which the gateway turns into a 400 naming them; null when none are known
 * @param renamedParams     OpenAI parameter name -> the host's name for it (e.g. Mistral's {@code random_seed})
 * @param dropsMessageNames whether {@code messages[].name} must be removed (hosts that reject it)
 */
public record CompatibleHost(
        String prefix, String defaultApiBase, String keyName, Set<String> unsupportedParams,
        Map<String, String> renamedParams, boolean dropsMessageNames) {

    public CompatibleHost {
        unsupportedParams = unsupportedParams == null ? null : Set.copyOf(unsupportedParams);
        renamedParams = renamedParams == null ? Map.of() : Map.copyOf(renamedParams);
    }

    /** A host with no known differences from OpenAI's API. */
    public CompatibleHost(String prefix, String defaultApiBase, String keyName) {
        this(prefix, defaultApiBase, keyName, null, Map.of(), false);
    }

    /** The OPTIONAL parameters this host honours; null (pass everything) when it has no known gaps. */
    public Set<String> supportedChatParams() {
        if (unsupportedParams == null) return null;
        Set<String> supported = new HashSet<>(ChatParams.OPTIONAL);
        supported.removeAll(unsupportedParams);
        return Set.copyOf(supported);
    }

    /** Parameters only OpenAI's own API has (tiers, storage, audio, predicted outputs, web search). */
    private static final Set<String> OPENAI_ONLY = Set.of("service_tier", "store", "modalities", "audio", "prediction",
            "web_search_options");

    private static final Map<String, String> MAX_TOKENS = Map.of("max_completion_tokens", "max_tokens");

    private static Set<String> gaps(Set<String> specific, Set<String> alsoMissing) {
        Set<String> all = new HashSet<>(specific);
        all.addAll(alsoMissing);
        return all;
    }

    /**
     * The hosts, with base URLs and key names as LiteLLM uses them and the gaps its adapters and the
     * hosts' own docs name (sources in each comment). Legacy {@code functions} are converted to tools for
     * every host, so they count as supported wherever tools are.
     */
    public static final List<CompatibleHost> ALL = List.of(
            // Groq docs: logprobs, logit_bias, top_logprobs and messages[].name are rejected; n must be 1.
            new CompatibleHost("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
                    Set.of("logprobs", "top_logprobs", "logit_bias", "n"), Map.of(), true),
            // Mistral API: random_seed instead of seed, no logit_bias/logprobs; LiteLLM maps max_completion_tokens
            // to max_tokens and drops messages[].name (Mistral rejects unknown fields).
            new CompatibleHost("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY",
                    gaps(Set.of("logit_bias", "logprobs", "top_logprobs", "reasoning_effort"), OPENAI_ONLY),
                    Map.of("seed", "random_seed", "max_completion_tokens", "max_tokens"), true),
            // LiteLLM also reads TOGETHER_API_KEY / TOGETHER_AI_API_KEY; its docs name TOGETHERAI_API_KEY.
            new CompatibleHost("together_ai", "https://api.together.xyz/v1", "TOGETHERAI_API_KEY"),
            new CompatibleHost("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
            // LiteLLM FireworksAIConfig's supported list lacks these.
            new CompatibleHost("fireworks_ai", "https://api.fireworks.ai/inference/v1", "FIREWORKS_AI_API_KEY",
                    gaps(Set.of("seed", "logit_bias", "top_logprobs", "parallel_tool_calls"), OPENAI_ONLY), MAX_TOKENS, false),
            // Perplexity takes no tools, stop, n, seed or logprobs (LiteLLM PerplexityChatConfig).
            new CompatibleHost("perplexity", "https://api.perplexity.ai", "PERPLEXITYAI_API_KEY",
                    Set.of("n", "stop", "seed", "logit_bias", "logprobs", "top_logprobs", "tools", "tool_choice",
                            "parallel_tool_calls", "functions", "function_call", "service_tier", "store", "modalities",
                            "audio", "prediction"), Map.of(), false),
            // Ollama's OpenAI compatibility docs: no n, no logit_bias; max_tokens, not max_completion_tokens.
            new CompatibleHost("ollama", "http://localhost:11434/v1", null, Set.of("n", "logit_bias"), MAX_TOKENS, false),
            // LiteLLM XAIChatConfig: max_completion_tokens -> max_tokens, messages[].name stripped.
            new CompatibleHost("xai", "https://api.x.ai/v1", "XAI_API_KEY",
                    Set.of("service_tier", "store", "modalities", "audio", "prediction"), MAX_TOKENS, true),
            // Anyscale Endpoints closed in 2024; kept for configs that still name it.
            new CompatibleHost("anyscale", "https://api.endpoints.anyscale.com/v1", "ANYSCALE_API_KEY"),
            // LiteLLM DeepInfraConfig's supported list lacks these.
            new CompatibleHost("deepinfra", "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY",
                    gaps(Set.of("seed", "logprobs", "top_logprobs", "parallel_tool_calls", "reasoning_effort"), OPENAI_ONLY),
                    MAX_TOKENS, false),
            // Cerebras docs: frequency_penalty, presence_penalty, logit_bias, parallel_tool_calls, service_tier are
            // a 400; LiteLLM CerebrasConfig also lacks n.
            new CompatibleHost("cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY",
                    gaps(Set.of("n", "frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls"), OPENAI_ONLY),
                    MAX_TOKENS, false),
            // LiteLLM SambanovaConfig's supported list lacks these.
            new CompatibleHost("sambanova", "https://api.sambanova.ai/v1", "SAMBANOVA_API_KEY",
                    gaps(Set.of("n", "seed", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
                            "top_logprobs", "reasoning_effort"), OPENAI_ONLY), MAX_TOKENS, false),
            // LiteLLM NvidiaNimConfig's default list (most NIM models) lacks these.
            new CompatibleHost("nvidia_nim", "https://integrate.api.nvidia.com/v1", "NVIDIA_NIM_API_KEY",
                    gaps(Set.of("n", "logit_bias", "logprobs", "top_logprobs", "reasoning_effort"), OPENAI_ONLY),
                    MAX_TOKENS, false),
            // LM Studio's local server; LiteLLM has no default base (LM_STUDIO_API_BASE) and an optional key.
            new CompatibleHost("lm_studio", "http://localhost:1234/v1", null),
            // A self-hosted vLLM server: there is no default, so api_base is required.
            new CompatibleHost("hosted_vllm", null, null));
}
