package relay.core.provider;

import java.time.Duration;
import relay.core.catalog.ConfiguredModelInfo;

/**
 * One concrete model behind a model group: which provider serves it, under which name, where, and
 * with which key reference.
 *
 * @param modelGroup    the name clients use ({@code model_name} in config)
 * @param provider      the provider prefix, e.g. {@code openai}
 * @param providerModel the provider's own model id, e.g. {@code gpt-4o}
 * @param apiBase       the provider's base URL, or null for the provider's default
 * @param apiKey        a config value: {@code os.environ/NAME}, a literal, or null for the provider's default key name
 * @param timeout       how long one call may take; for a stream, how long until its first chunk
 * @param options       per-deployment settings from {@code litellm_params} by their config names: {@code weight},
 *                      {@code rpm}, and provider-specific ones ({@code api_version}, {@code vertex_project},
 *                      {@code vertex_location}, {@code aws_region_name}), and {@code stream_timeout}
 * @param tags          {@code litellm_params.tags}: with tag filtering on, requests with these tags go here
 * @param modelInfo     prices and window config gives for this deployment ({@code model_info}), over the catalog's
 */
public record Deployment(
        String modelGroup, String provider, String providerModel, String apiBase, String apiKey, Duration timeout,
        java.util.Map<String, String> options, java.util.List<String> tags, ConfiguredModelInfo modelInfo) {

    /** The option naming, in seconds, how long a stream may go without a chunk before it is ended. */
    public static final String STREAM_TIMEOUT = "stream_timeout";

    public Deployment {
        options = options == null ? java.util.Map.of() : java.util.Map.copyOf(options);
        tags = tags == null ? java.util.List.of() : java.util.List.copyOf(tags);
        modelInfo = modelInfo == null ? ConfiguredModelInfo.NONE : modelInfo;
    }

    public Deployment(String modelGroup, String provider, String providerModel, String apiBase, String apiKey, Duration timeout,
                      java.util.Map<String, String> options) {
        this(modelGroup, provider, providerModel, apiBase, apiKey, timeout, options, null, null);
    }

    public Deployment(String modelGroup, String provider, String providerModel, String apiBase, String apiKey, Duration timeout) {
        this(modelGroup, provider, providerModel, apiBase, apiKey, timeout, java.util.Map.of());
    }

    /** A provider-specific setting, or null. */
    public String option(String name) {
        return options.get(name);
    }

    /** {@code provider/model}, as logged and shown in {@code x-relay-model}. */
    public String id() {
        return provider + "/" + providerModel;
    }
}
