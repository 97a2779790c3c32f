package relay.core.provider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.Optional;
import relay.core.catalog.ModelCatalog;
import relay.core.catalog.ModelInfo;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ModelList;

/**
 * Knows the model groups: a {@code model_name} from config first, else a model from the catalog
 * ({@code gpt-4o}, {@code claude-sonnet-4-5}, {@code replicate/meta/llama-2-70b-chat}), else a
 * {@code provider/model} name with a known provider; the last two served with the provider's default key, at
 * its default address. Those two are closed to a provider whose default address is this machine (or that has
 * none), to providers {@code general_settings.catalog_providers} leaves out, and altogether with
 * {@code general_settings.allowed_model_groups_only}.
 */
public final class ModelRouter {
    private final Map<String, Provider> providers;
    private final Map<String, List<Deployment>> groups;
    private final ModelCatalog catalog;
    /** {@code general_settings.allowed_model_groups_only}: only {@link #groups} are served. */
    private final boolean groupsOnly;
    /** {@code general_settings.catalog_providers}: the providers a name alone may reach; null for every one that may. */
    private final java.util.Set<String> catalogProviders;
    /** {@code router_settings.model_group_alias}: other names for configured groups. */
    private final Map<String, RelayConfig.ModelGroupAlias> aliases;
    /** {@code router_settings.enable_tag_filtering} and {@code tag_filtering_match_any}. */
    private final boolean tagFiltering;
    private final boolean tagsMatchAny;

    public ModelRouter(RelayConfig config, List<Provider> providers, Duration defaultTimeout) {
        this(config, providers, defaultTimeout, ModelCatalog.empty());
    }

    public ModelRouter(RelayConfig config, List<Provider> providers, Duration defaultTimeout, ModelCatalog catalog) {
        this.catalog = catalog;
        this.providers = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name, p -> p));
        this.groupsOnly = config.generalSettings().modelGroupsOnly();
        this.answerLimits = AnswerLimits.from(config.generalSettings());
        List<String> named = config.generalSettings().catalogProviders();
        if (named != null) {
            for (String provider : named) {
                if (!this.providers.containsKey(provider)) {
                    throw new relay.core.config.ConfigException("general_settings.catalog_providers", "names '" + provider
                            + "', which Relay does not know; known: " + String.join(", ", this.providers.keySet().stream().sorted().toList()));
                }
            }
        }
        this.catalogProviders = named == null ? null : java.util.Set.copyOf(named);
        // router_settings.timeout, else LiteLLM's process-wide litellm_settings.request_timeout, else Relay's default
        Duration routerTimeout = seconds(config.routerSettings().timeout(),
                seconds(config.litellmSettings().requestTimeout(), defaultTimeout));
        Double streamTimeout = config.routerSettings().streamTimeout();
        this.defaultOptions = streamTimeout == null ? Map.of() : Map.of(Deployment.STREAM_TIMEOUT, streamTimeout.toString());
        Map<String, List<Deployment>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < config.modelList().size(); i++) {
            RelayConfig.ModelEntry entry = config.modelList().get(i);
            RelayConfig.LitellmParams params = entry.litellmParams();
            String[] providerAndModel = params.model().split("/", 2);
            if (!this.providers.containsKey(providerAndModel[0])) {
                throw new relay.core.config.ConfigException("model_list[" + i + "].litellm_params.model", "'" + params.model()
                        + "' names the provider '" + providerAndModel[0] + "', which Relay does not know; known: "
                        + String.join(", ", this.providers.keySet().stream().sorted().toList()));
            }
            byGroup.computeIfAbsent(entry.modelName(), k -> new ArrayList<>()).add(new Deployment(
                    entry.modelName(), providerAndModel[0], providerAndModel[1], params.apiBase(), params.apiKey(),
                    seconds(params.timeout(), routerTimeout), withDefaults(params.deploymentOptions()), params.tags(),
                    RelayConfig.deploymentInfo(entry, "model_list[" + i + "]")));
        }
        byGroup.replaceAll((k, v) -> List.copyOf(v));
        this.groups = Collections.unmodifiableMap(byGroup); // config order, as GET /models lists them
        this.defaultTimeout = routerTimeout;
        this.aliases = config.modelGroupAliases();
        this.tagFiltering = config.routerSettings().tagFiltering();
        this.tagsMatchAny = !Boolean.FALSE.equals(config.routerSettings().tagFilteringMatchAny());
    }

    private final Duration defaultTimeout;
    private final AnswerLimits answerLimits;

    /** How much of a provider's answer a call may read ({@code general_settings.max_response_size_mb}, …). */
    public AnswerLimits answerLimits() {
        return answerLimits;
    }
    /** Settings every deployment has unless its own entry says otherwise ({@code router_settings.stream_timeout}). */
    private final Map<String, String> defaultOptions;

    private Map<String, String> withDefaults(Map<String, String> options) {
        Map<String, String> merged = new java.util.HashMap<>(defaultOptions);
        merged.putAll(options);
        return merged;
    }

    /** The deployments that may serve {@code model}, in the order to try them. */
    public List<Deployment> route(String model) {
        List<Deployment> group = groups.get(model);
        if (group != null) return group;
        RelayConfig.ModelGroupAlias alias = aliases.get(model);
        if (alias != null) return groups.get(alias.modelGroup());
        if (groupsOnly) {
            throw notServed(model, "Relay serves only the model groups of its config (general_settings.allowed_model_groups_only)"
                    + ": " + String.join(", ", groups.keySet().stream().limit(20).toList()) + (groups.size() > 20 ? ", …" : "") + ".");
        }
        Optional<ModelInfo> known = catalog.find(model).filter(m -> providers.containsKey(m.provider()));
        if (known.isPresent()) {
            requireReachable(model, known.get().provider());
            return List.of(new Deployment(model, known.get().provider(), known.get().providerModel(), null, null, defaultTimeout, defaultOptions));
        }
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1 && providers.containsKey(model.substring(0, slash))) {
            requireReachable(model, model.substring(0, slash));
            return List.of(new Deployment(model, model.substring(0, slash), model.substring(slash + 1), null, null, defaultTimeout, defaultOptions));
        }
        throw notServed(model, "it is no model_name in Relay's config and no provider/model name with a known provider ("
                + String.join(", ", providers.keySet().stream().sorted().toList()) + ").");
    }

    /**
     * The deployments that may serve {@code model} for a request with {@code tags} ({@code tags} or
     * {@code metadata.tags}), as LiteLLM's tag routing picks them when {@code router_settings.enable_tag_filtering}
     * is on: those with any of the tags (all of them, with {@code tag_filtering_match_any: false}); else those tagged
     * {@code default}; a request without tags gets the {@code default} ones, or all when none is. Only configured
     * groups whose deployments have tags are filtered (tags may be sent for spend tracking alone): other groups and
     * names are served as without.
     */
    public List<Deployment> route(String model, List<String> tags) {
        List<Deployment> all = route(model);
        if (!tagFiltering || !(groups.containsKey(model) || aliases.containsKey(model))) return all;
        if (all.stream().allMatch(d -> d.tags().isEmpty())) return all; // a group that uses no tags is not filtered by them
        List<Deployment> defaults = all.stream().filter(d -> d.tags().contains(DEFAULT_TAG)).toList();
        if (tags == null || tags.isEmpty()) return defaults.isEmpty() ? all : defaults;
        List<Deployment> tagged = all.stream().filter(d -> tagsMatch(d.tags(), tags)).toList();
        if (!tagged.isEmpty()) return tagged;
        if (!defaults.isEmpty()) return defaults;
        java.util.Set<String> known = new java.util.TreeSet<>();
        all.forEach(d -> known.addAll(d.tags()));
        throw new RelayException(ErrorKind.INVALID_REQUEST, "No deployment of '" + model + "' has " + (tagsMatchAny ? "any" : "all")
                + " of the tags " + tags + " (router_settings.enable_tag_filtering); its deployments' tags: "
                + (known.isEmpty() ? "none" : String.join(", ", known)) + ".", "tags");
    }

    /** The tag of deployments that serve requests no other deployment's tags match (LiteLLM's name). */
    public static final String DEFAULT_TAG = "default";

    private boolean tagsMatch(List<String> deploymentTags, List<String> requestTags) {
        return tagsMatchAny ? requestTags.stream().anyMatch(deploymentTags::contains) : deploymentTags.containsAll(requestTags);
    }

    /** Whether a name alone (a catalog name, a bare provider/model) may reach {@code provider}. */
    private boolean reachableByName(String provider) {
        return providers.get(provider).reachableWithoutConfig() && (catalogProviders == null || catalogProviders.contains(provider));
    }

    private void requireReachable(String model, String provider) {
        if (!providers.get(provider).reachableWithoutConfig()) {
            throw notServed(model, provider + " is served only through a model_list entry that gives its api_base: its default"
                    + " address is this machine, or it has none.");
        }
        if (catalogProviders != null && !catalogProviders.contains(provider)) {
            throw notServed(model, provider + " is not among the providers a model name alone may reach"
                    + " (general_settings.catalog_providers).");
        }
    }

    private static RelayException notServed(String model, String why) {
        return new RelayException(ErrorKind.MODEL_NOT_FOUND, "The model '" + model + "' does not exist here: " + why, "model");
    }

    public Provider provider(Deployment deployment) {
        return providers.get(deployment.provider());
    }

    /** The configured model groups, then the catalog's models of known providers, as {@code GET /models} lists them. */
    public List<ModelList.Model> models() {
        List<ModelList.Model> models = new ArrayList<>();
        groups.forEach((name, deployments) -> models.add(ModelList.Model.of(name, deployments.get(0).provider())));
        aliases.forEach((name, alias) -> {
            if (!alias.hidden()) models.add(ModelList.Model.of(name, groups.get(alias.modelGroup()).get(0).provider()));
        });
        for (ModelInfo info : groupsOnly ? List.<ModelInfo>of() : catalog.all()) {
            if (providers.containsKey(info.provider()) && reachableByName(info.provider()) && !info.retired()
                    && !groups.containsKey(info.name()) && !aliases.containsKey(info.name())) {
                models.add(ModelList.Model.of(info.name(), info.provider()));
            }
        }
        return models;
    }

    /**
     * What is known of the model a deployment serves (prices, context window): the catalog's entry (of its
     * {@code model_info.base_model} when config names one), with what {@code model_info} sets over it.
     */
    public Optional<ModelInfo> info(Deployment deployment) {
        return deployment.modelInfo().over(catalogEntry(deployment), deployment.id(), deployment.provider(), deployment.providerModel());
    }

    /** The catalog's entry for the deployment's model (its {@code model_info.base_model}'s when config names one). */
    private Optional<ModelInfo> catalogEntry(Deployment deployment) {
        String baseModel = deployment.modelInfo().baseModel();
        if (baseModel != null) return catalog.find(baseModel);
        return catalog.find(deployment.id()).or(() -> catalog.find(deployment.providerModel()));
    }

    /**
     * Whether the catalog says the deployment's model does not reason ({@code supports_reasoning} absent from its
     * entry): false for a model the catalog does not know, so a private or new model is never refused for it.
     */
    public boolean knownNotToReason(Deployment deployment) {
        return catalogEntry(deployment).filter(m -> m.mode() == ModelInfo.Mode.CHAT && !m.supportsReasoning()).isPresent();
    }

    private static Duration seconds(Double seconds, Duration fallback) {
        return seconds == null || seconds <= 0 ? fallback : Duration.ofMillis((long) (seconds * 1000));
    }
}
