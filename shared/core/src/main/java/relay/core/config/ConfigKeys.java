package relay.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of LiteLLM's {@code config.yaml} Relay knows of, in one place: those it implements, and those of
 * LiteLLM's documented settings it does not. {@link #check} names each setting of a file that Relay will not act on
 * (one of LiteLLM's it ignores, one nobody knows, a value it does not take), so that nothing in a LiteLLM user's
 * config is dropped without a word; {@code general_settings.strict_config: true} makes them errors.
 *
 * <p>Paths are written as in the file, with {@code []} for any item of a list and {@code *} for a name the user
 * chooses ({@code environment_variables.*}). A setting whose value is free-form (a fallback table, a guardrail's
 * patterns) is checked where it is read.
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    /** The log sinks Relay has, by LiteLLM's callback names (the sinks module keeps the same list). */
    public static final Set<String> LOG_SINKS = Set.of("supabase", "posthog", "mixpanel", "sentry", "helicone");
    /** The guardrails Relay runs, by LiteLLM's {@code litellm_params.guardrail} names. */
    public static final Set<String> GUARDRAIL_TYPES = Set.of("litellm_content_filter", "bedrock");
    /** The one guardrail mode Relay runs: before the provider call. */
    public static final String PRE_CALL = "pre_call";

    /** A setting Relay will not act on, and why: the path and value as the file has them. */
    public record Ignored(String path, String message) {}

    private enum Kind { SUPPORTED, IGNORED }

    private record Key(Kind kind, String note) {}

    private static final Map<String, Key> KEYS = new HashMap<>();
    /** Values Relay takes for a setting; any other is named as ignored. */
    private static final Map<String, Set<String>> VALUES = new HashMap<>();
    /** Why a value outside {@link #VALUES} is ignored, where more than "ignored" is to say. */
    private static final Map<String, String> VALUE_NOTES = new HashMap<>();

    private static final String MODEL = "model_list[]";
    private static final String PARAMS = MODEL + ".litellm_params";
    private static final String INFO = MODEL + ".model_info";
    private static final String ROUTER = "router_settings";
    private static final String LITELLM = "litellm_settings";
    private static final String CACHE = LITELLM + ".cache_params";
    private static final String GENERAL = "general_settings";
    private static final String GUARDRAIL = "guardrails[]";
    private static final String GUARDRAIL_PARAMS = GUARDRAIL + ".litellm_params";

    static {
        supported("", "model_list", "router_settings", "litellm_settings", "general_settings", "environment_variables", "guardrails");
        ignored("", null, "callback_settings", "credential_list", "include", "mcp_servers", "mcp_tools", "assistant_settings",
                "finetune_settings", "files_settings", "vector_store_registry", "search_tools", "prompts",
                "pass_through_endpoints", "agent_list", "model_group_settings", "policies");

        supported("", "model_list[]");
        supported(MODEL, "model_name", "litellm_params", "model_info");
        supported(PARAMS, "model", "api_base", "api_key", "api_version", "rpm", "weight", "timeout", "stream_timeout",
                "vertex_project", "vertex_location", "aws_region_name", "tags", "input_cost_per_token", "output_cost_per_token");
        supported(PARAMS, "tags[]");
        ignored(PARAMS, "Relay neither limits nor weighs deployments by tpm", "tpm");
        ignored(PARAMS, "Bedrock is called with the function's IAM role", "aws_access_key_id", "aws_secret_access_key",
                "aws_session_token", "aws_session_name", "aws_profile_name", "aws_role_name", "aws_web_identity_token",
                "aws_bedrock_runtime_endpoint", "aws_external_id", "aws_sts_endpoint");
        ignored(PARAMS, null, "max_retries", "organization", "vertex_credentials", "region_name", "input_cost_per_second",
                "output_cost_per_second", "max_budget", "budget_duration", "drop_params", "additional_drop_params",
                "mock_response", "litellm_credential_name", "use_in_pass_through", "use_litellm_proxy",
                "merge_reasoning_content_in_choices", "headers", "extra_headers", "configurable_clientside_auth_params",
                "custom_llm_provider", "base_model", "azure_ad_token", "azure_ad_token_provider", "tenant_id", "client_id",
                "client_secret", "azure_username", "azure_password", "cache_control_injection_points", "tag_regex",
                "max_tokens", "temperature", "top_p", "seed", "stop", "auto_router_config", "model_info",
                "supports_system_message", "watsonx_region_name", "api_type", "guardrails");
        // model_info: the prices and window Relay uses; id, mode and description describe and change nothing
        supported(INFO, "input_cost_per_token", "output_cost_per_token", "max_input_tokens", "max_output_tokens", "max_tokens",
                "base_model", "id", "mode", "description");
        ignored(INFO, null, "supports_vision", "supports_function_calling", "supports_parallel_function_calling",
                "supports_tool_choice", "supports_response_schema", "supports_prompt_caching", "supports_reasoning",
                "supports_audio_input", "supports_audio_output", "supports_system_messages", "supports_web_search",
                "supports_pdf_input", "supports_assistant_prefill", "supports_computer_use", "supports_embedding_image_input",
                "access_groups", "team_id", "team_public_model_name", "db_model", "tier", "input_cost_per_second",
                "output_cost_per_second", "cache_creation_input_token_cost", "cache_read_input_token_cost",
                "health_check_model", "health_check_timeout", "health_check_max_tokens", "litellm_provider",
                "use_in_pass_through", "allow_fail_open", "enable_tag_filtering", "input_cost_per_character",
                "output_cost_per_character", "input_cost_per_image", "output_cost_per_image", "output_vector_size");

        supported(ROUTER, "timeout", "num_retries", "routing_strategy", "allowed_fails", "cooldown_time", "fallbacks",
                "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks", "stream_timeout",
                "model_group_alias", "enable_tag_filtering", "tag_filtering_match_any", "enable_pre_call_checks");
        supported(ROUTER + ".model_group_alias", "*");
        supported(ROUTER + ".model_group_alias.*", "model", "hidden");
        ignored(ROUTER, "Relay keeps no state outside DynamoDB", "redis_host", "redis_password", "redis_port", "redis_db",
                "redis_url", "cache_kwargs", "client_ttl");
        ignored(ROUTER, null, "disable_cooldowns", "retry_policy", "allowed_fails_policy", "default_max_parallel_requests",
                "default_priority", "polling_interval", "max_fallbacks", "default_litellm_params", "debug_level",
                "routing_strategy_args", "caching_groups", "set_verbose", "retry_after", "provider_budget_config",
                "model_group_retry_policy", "cache_responses", "optional_pre_call_checks", "deployment_affinity_ttl_seconds",
                "ignore_invalid_deployments", "search_tools", "guardrail_list", "tag_routing_prefix", "alerting_config",
                "assistants_config", "router_general_settings", "enable_pre_call_check");

        supported(LITELLM, "drop_params", "request_timeout", "num_retries", "fallbacks", "context_window_fallbacks",
                "content_policy_fallbacks", "default_fallbacks", "turn_off_message_logging", "cache", "cache_params",
                "max_end_user_budget", "success_callback", "failure_callback", "callbacks");
        for (String list : List.of("success_callback", "failure_callback", "callbacks")) {
            supported(LITELLM, list + "[]");
            VALUES.put(LITELLM + "." + list, LOG_SINKS);
            VALUES.put(LITELLM + "." + list + "[]", LOG_SINKS);
        }
        supported(CACHE, "type", "ttl", "similarity_threshold", "embedding_model", "redis_semantic_cache_embedding_model",
                "qdrant_semantic_cache_embedding_model", "namespace", "mode");
        ignored(CACHE, "Relay's response cache is DynamoDB", "host", "port", "password", "username", "url", "max_connections",
                "redis_startup_nodes", "service_name", "sentinel_nodes", "sentinel_password", "gcp_service_account",
                "gcp_ssl_ca_certs", "ssl", "ssl_cert_reqs", "ssl_check_hostname", "qdrant_collection_name",
                "qdrant_quantization_config", "qdrant_semantic_cache_vector_size", "qdrant_api_base", "qdrant_api_key",
                "s3_bucket_name", "s3_region_name", "s3_aws_access_key_id", "s3_aws_secret_access_key", "s3_endpoint_url",
                "s3_path", "gcs_bucket_name", "gcs_path_service_account", "gcs_path", "azure_account_url",
                "azure_blob_container", "disk_cache_dir", "redis_flush_size", "supported_call_types",
                "disable_copilot_system_to_assistant");
        ignored(LITELLM, null, "service_callbacks", "redact_user_api_key_info", "langfuse_default_tags", "force_ipv4",
                "json_logs", "set_verbose", "mcp_aliases", "modify_params", "enable_preview_features",
                "disable_end_user_cost_tracking", "disable_end_user_cost_tracking_prometheus_only", "key_generation_settings",
                "disable_add_transform_inline_image_block", "use_chat_completions_url_for_anthropic_messages",
                "disable_hf_tokenizer_download", "enable_json_schema_validation", "enable_key_alias_format_validation",
                "disable_copilot_system_to_assistant", "max_budget", "budget_duration", "default_team_settings",
                "default_internal_user_params", "upperbound_key_generate_params", "default_key_generate_params",
                "public_model_groups", "public_agent_groups", "allowed_fails", "redact_messages_in_exceptions", "ssl_verify",
                "return_response_headers", "max_internal_user_budget", "internal_user_budget_duration",
                "default_max_internal_user_budget", "disable_token_counter", "model_group_alias", "callback_settings",
                "LITELLM_DISABLE_STOP_SEQUENCE_LIMIT", "cooldown_time", "retry", "enable_caching_on_provider_specific_optional_params",
                "default_redis_batch_cache_expiry", "max_user_budget", "default_user_params");

        supported(GENERAL, "master_key", "user_api_key_cache_ttl", "allowed_model_groups_only", "catalog_providers",
                "max_response_size_mb", "max_stream_event_size_mb", "strict_config");
        ignored(GENERAL, "Relay keeps its data in DynamoDB", "database_url", "database_connection_pool_limit",
                "database_connection_timeout", "allow_requests_on_db_unavailable", "store_model_in_db", "supported_db_objects",
                "disable_prisma_schema_update", "proxy_batch_write_at", "proxy_budget_rescheduler_min_time",
                "proxy_budget_rescheduler_max_time", "proxy_batch_polling_interval");
        ignored(GENERAL, "on virtual keys, allowed_routes is a key's setting (POST /key/generate)", "allowed_routes");
        ignored(GENERAL, null, "completion_model", "store_prompts_in_spend_logs", "forward_client_headers_to_llm_api",
                "disable_spend_logs", "disable_spend_updates", "disable_master_key_return",
                "disable_retry_on_max_parallel_request_limit_error", "disable_reset_budget", "disable_adding_master_key_hash_to_db",
                "disable_responses_id_security", "enable_jwt_auth", "enforce_user_param", "reject_clientside_metadata_tags",
                "key_management_system", "key_management_settings", "maximum_spend_logs_retention_period",
                "maximum_spend_logs_retention_interval", "user_mcp_management_mode", "custom_auth", "max_parallel_requests",
                "global_max_parallel_requests", "infer_model_from_keys", "background_health_checks", "health_check_interval",
                "health_check_details", "alerting", "alerting_threshold", "alerting_args", "alert_types", "alert_to_webhook_url",
                "use_client_credentials_pass_through_routes", "public_routes", "enforced_params", "enable_oauth2_auth",
                "enable_oauth2_proxy_auth", "use_x_forwarded_for", "service_account_settings", "image_generation_model",
                "max_request_size_mb", "custom_key_generate", "allowed_ips", "embedding_model", "default_team_disabled",
                "allow_user_auth", "litellm_key_header_name", "moderation_model", "custom_sso", "allow_client_side_credentials",
                "admin_only_routes", "use_azure_key_vault", "use_google_kms", "spend_report_frequency", "ui_access_mode",
                "litellm_jwtauth", "litellm_license", "oauth2_config_mappings", "pass_through_endpoints", "forward_openai_org_id",
                "master_key_rotation", "disable_end_user_cost_tracking");

        supported("environment_variables", "*");

        supported("", "guardrails[]");
        supported(GUARDRAIL, "guardrail_name", "litellm_params");
        ignored(GUARDRAIL, null, "guardrail_id", "guardrail_info");
        supported(GUARDRAIL_PARAMS, "guardrail", "mode", "default_on", "mode[]");
        VALUES.put(GUARDRAIL_PARAMS + ".guardrail", GUARDRAIL_TYPES);
        VALUE_NOTES.put(GUARDRAIL_PARAMS + ".guardrail", "this guardrail is not run");
        VALUES.put(GUARDRAIL_PARAMS + ".mode", Set.of(PRE_CALL));
        VALUES.put(GUARDRAIL_PARAMS + ".mode[]", Set.of(PRE_CALL));
        VALUE_NOTES.put(GUARDRAIL_PARAMS + ".mode", "Relay runs guardrails before the provider call only");
        VALUE_NOTES.put(GUARDRAIL_PARAMS + ".mode[]", "Relay runs guardrails before the provider call only");
        String filter = typed("litellm_content_filter");
        supported(filter, "patterns", "patterns[]", "blocked_words", "blocked_words[]", "pattern_redaction_format",
                "keyword_redaction_tag");
        supported(filter + ".patterns[]", "pattern_type", "pattern_name", "pattern", "name", "action");
        supported(filter + ".blocked_words[]", "keyword", "action", "description");
        ignored(filter, null, "categories", "blocked_words_file", "category_file", "severity_threshold");
        String bedrock = typed("bedrock");
        supported(bedrock, "guardrailIdentifier", "guardrailVersion", "aws_region_name", "mask_request_content", "api_base");
        ignored(bedrock, null, "mask_response_content", "disable_exception_on_block");
        ignored(bedrock, "Bedrock is called with the function's IAM role", "aws_access_key_id", "aws_secret_access_key",
                "aws_session_token", "aws_role_name", "aws_session_name", "aws_profile_name");
    }

    /** Where a guardrail type's own parameters are: {@code guardrails[].litellm_params<type>}. */
    private static String typed(String guardrailType) {
        return GUARDRAIL_PARAMS + "<" + guardrailType + ">";
    }

    private static void supported(String parent, String... names) {
        for (String name : names) KEYS.put(join(parent, name), new Key(Kind.SUPPORTED, null));
    }

    private static void ignored(String parent, String note, String... names) {
        for (String name : names) KEYS.putIfAbsent(join(parent, name), new Key(Kind.IGNORED, note));
    }

    private static String join(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    /** The settings of a config file (its parsed tree) that Relay will not act on, in file order. */
    public static List<Ignored> check(JsonNode root) {
        List<Ignored> ignored = new ArrayList<>();
        if (root != null && root.isObject()) {
            walkObject(root, "", "", ignored);
            inert(root, ignored);
        }
        return ignored;
    }

    /** Settings Relay knows whose value, with the rest of the file, changes nothing: as surprising as an ignored one. */
    private static void inert(JsonNode root, List<Ignored> out) {
        JsonNode router = root.path(ROUTER);
        if (!router.path("enable_tag_filtering").asBoolean(false)) {
            JsonNode models = root.path("model_list");
            for (int i = 0; i < models.size(); i++) {
                if (models.get(i).path("litellm_params").has("tags")) {
                    out.add(new Ignored("model_list[" + i + "].litellm_params.tags",
                            "tags route requests only with router_settings.enable_tag_filtering: true; ignored"));
                }
            }
        }
        JsonNode preCall = router.path("enable_pre_call_checks");
        if (preCall.isBoolean() && !preCall.asBoolean()) {
            out.add(new Ignored(ROUTER + ".enable_pre_call_checks",
                    "'false' is not supported; ignored: Relay always skips a deployment whose known context window the prompt cannot fit"));
        }
    }

    private static void walkObject(JsonNode node, String pattern, String path, List<Ignored> out) {
        String childrenPattern = pattern;
        if (pattern.equals(GUARDRAIL_PARAMS)) {
            JsonNode type = node.get("guardrail");
            if (type == null || !type.isTextual() || !GUARDRAIL_TYPES.contains(type.asText())) {
                // an unknown type is named once, at its guardrail; what its parameters mean is not Relay's to say
                JsonNode given = node.get("guardrail");
                if (given != null) checkValue(given, GUARDRAIL_PARAMS + ".guardrail", join(path, "guardrail"), out);
                return;
            }
        }
        for (var field : node.properties()) {
            String name = field.getKey();
            String childPath = join(path, name);
            String childPattern = resolve(childrenPattern, name, node);
            if (childPattern == null) {
                out.add(new Ignored(childPath, "unknown setting; ignored"));
                continue;
            }
            Key key = KEYS.get(childPattern);
            if (key.kind() == Kind.IGNORED) {
                out.add(new Ignored(childPath, "not supported; ignored"
                        + (key.note() == null ? "" : " (" + key.note() + ")")));
                continue;
            }
            walkValue(field.getValue(), childPattern, childPath, out);
        }
    }

    /** The registered pattern of a child setting: its own name, a guardrail type's own parameter, or a chosen name. */
    private static String resolve(String parentPattern, String name, JsonNode parent) {
        String direct = join(parentPattern, name);
        if (KEYS.containsKey(direct)) return direct;
        if (parentPattern.equals(GUARDRAIL_PARAMS)) {
            String typed = join(typed(parent.get("guardrail").asText()), name);
            if (KEYS.containsKey(typed)) return typed;
        }
        String chosen = join(parentPattern, "*");
        return KEYS.containsKey(chosen) ? chosen : null;
    }

    private static void walkValue(JsonNode value, String pattern, String path, List<Ignored> out) {
        if (value.isObject()) {
            if (hasChildren(pattern)) walkObject(value, pattern, path, out);
        } else if (value.isArray()) {
            String items = pattern + "[]";
            if (!KEYS.containsKey(items)) return; // a free-form list: read (and checked) where it is used
            for (int i = 0; i < value.size(); i++) walkValue(value.get(i), items, path + "[" + i + "]", out);
        } else {
            checkValue(value, pattern, path, out);
        }
    }

    private static void checkValue(JsonNode value, String pattern, String path, List<Ignored> out) {
        Set<String> allowed = VALUES.get(pattern);
        if (allowed == null || !value.isValueNode() || value.isNull()) return;
        String given = value.asText();
        if (allowed.contains(given) || allowed.contains(given.trim().toLowerCase(java.util.Locale.ROOT))) return;
        String note = VALUE_NOTES.get(pattern);
        out.add(new Ignored(path, "'" + given + "' is not supported; " + (note == null ? "ignored" : "ignored: " + note)));
    }

    private static boolean hasChildren(String pattern) {
        String prefix = pattern + ".";
        String typedPrefix = pattern + "<";
        for (String key : KEYS.keySet()) {
            if (key.startsWith(prefix) || key.startsWith(typedPrefix)) return true;
        }
        return false;
    }
}
