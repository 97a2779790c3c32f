package relay.core.catalog;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import relay.core.Json;

/**
 * The models Relay knows: every chat, completion and embedding model of the providers Relay
 * serves in LiteLLM's public price list ({@code relay/catalog/models.json}, written by
 * {@code scripts/refresh-catalog.py}), plus retired names older docs still use
 * ({@code relay/catalog/legacy-models.json}, hand-kept; {@link ModelInfo#retired()}).
 *
 * <p>{@link #find} resolves a name in this order:
 * <ol>
 *   <li>the exact catalog key: {@code gpt-4o}, {@code claude-sonnet-4-5}, {@code gemini-2.5-pro},
 *       {@code gemini/gemini-2.5-pro}, {@code replicate/meta/llama-2-70b-chat}, {@code openrouter/...}.
 *       A bare key belongs to the provider LiteLLM files it under, which is the model's maker:
 *       {@code gpt-*} is openai, {@code claude-*} anthropic, {@code command*} cohere, and bare
 *       {@code gemini-*} keys are vertex_ai (LiteLLM's convention; {@code gemini/gemini-*} is the
 *       Gemini API);</li>
 *   <li>{@code provider/model} where {@code provider} is a provider of the catalog: only that
 *       provider's entry whose provider model id is {@code model} ({@code openai/gpt-4o},
 *       {@code anthropic/claude-sonnet-4-5}, {@code bedrock/anthropic.claude-...}, {@code vertex_ai/chat-bison});
 *       never another provider's model, so {@code provider/unknown-model} is empty;</li>
 *   <li>any other name is matched against the provider model ids of all providers: one provider
 *       serving it wins ({@code grok-2} is xai); where the name has a maker ({@link #MAKERS}), only
 *       the maker's providers may answer, in their order ({@code mistral-large-latest} is mistral,
 *       not azure); several providers and no maker among them is empty (no guessing).</li>
 * </ol>
 * Where one provider has several entries for one model id (LiteLLM's regional price keys such as
 * {@code bedrock/us-east-1/anthropic.claude-v2:1}), steps 2 and 3 take the unscoped one; the
 * regional ones are found by their exact key.
 */
public final class ModelCatalog {
    static final String MODELS = "/relay/catalog/models.json";
    static final String LEGACY = "/relay/catalog/legacy-models.json";

    /** Name prefix -> the providers that are the model's maker, preferred first. */
    static final List<Map.Entry<String, List<String>>> MAKERS = List.of(
            Map.entry("gpt-", List.of("openai", "text-completion-openai")),
            Map.entry("chatgpt-", List.of("openai")),
            Map.entry("o1", List.of("openai")),
            Map.entry("o3", List.of("openai")),
            Map.entry("o4", List.of("openai")),
            Map.entry("text-embedding-", List.of("openai")),
            Map.entry("davinci", List.of("text-completion-openai", "openai")),
            Map.entry("babbage", List.of("text-completion-openai", "openai")),
            Map.entry("ft:", List.of("openai", "text-completion-openai")),
            Map.entry("claude-", List.of("anthropic")),
            Map.entry("command", List.of("cohere")),
            Map.entry("embed-", List.of("cohere")),
            Map.entry("gemini-", List.of("vertex_ai", "gemini")),
            Map.entry("mistral-", List.of("mistral")),
            Map.entry("open-mistral", List.of("mistral")),
            Map.entry("open-mixtral", List.of("mistral")),
            Map.entry("codestral", List.of("mistral")),
            Map.entry("magistral", List.of("mistral")),
            Map.entry("devstral", List.of("mistral")),
            Map.entry("ministral", List.of("mistral")),
            Map.entry("pixtral", List.of("mistral")),
            Map.entry("grok-", List.of("xai")),
            Map.entry("deepseek-", List.of("deepseek")));

    /** Prefers current over retired, then the unscoped key ({@code m}, then {@code provider/m}), then the shorter name. */
    private static final Comparator<ModelInfo> PREFERRED = Comparator
            .comparing(ModelInfo::retired)
            .thenComparingInt(ModelCatalog::shape)
            .thenComparingInt((ModelInfo m) -> m.name().length())
            .thenComparing(ModelInfo::name);

    private final Map<String, ModelInfo> byName;
    private final List<ModelInfo> all;
    /** provider model id -> provider -> the preferred entry. */
    private final Map<String, Map<String, ModelInfo>> byProviderModel;
    private final Map<String, LocalDate> deprecationDates;
    private final Set<String> providers;

    private ModelCatalog(Map<String, ModelInfo> byName, Map<String, LocalDate> deprecationDates) {
        this.byName = Map.copyOf(byName);
        this.all = byName.values().stream().sorted(Comparator.comparing(ModelInfo::name)).toList();
        Map<String, Map<String, ModelInfo>> index = new HashMap<>();
        for (ModelInfo model : all) {
            index.computeIfAbsent(model.providerModel(), k -> new LinkedHashMap<>())
                    .merge(model.provider(), model, (a, b) -> PREFERRED.compare(a, b) <= 0 ? a : b);
        }
        this.byProviderModel = index;
        this.deprecationDates = Map.copyOf(deprecationDates);
        this.providers = all.stream().map(ModelInfo::provider).collect(Collectors.toUnmodifiableSet());
    }

    /** A catalog that knows no model: routing by config and {@code provider/model} names only. */
    public static ModelCatalog empty() {
        return new ModelCatalog(Map.of(), Map.of());
    }

    /** Reads the catalog from the classpath resources. */
    public static ModelCatalog load() {
        try (InputStream models = resource(MODELS); InputStream legacy = resource(LEGACY)) {
            return read(models, legacy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Relay's model catalog", e);
        }
    }

    /** The catalog of a price list and a legacy list in the resources' format; names in both come from the first. */
    static ModelCatalog read(InputStream models, InputStream legacy) throws IOException {
        Map<String, ModelInfo> byName = new HashMap<>(4096);
        Map<String, LocalDate> deprecations = new HashMap<>();
        parse(models, byName, deprecations);
        parse(legacy, byName, deprecations);
        return new ModelCatalog(byName, deprecations);
    }

    /** What Relay knows about {@code name}, resolved as the class comment says; empty if nothing. */
    public Optional<ModelInfo> find(String name) {
        if (name == null || name.isEmpty()) return Optional.empty();
        ModelInfo exact = byName.get(name);
        if (exact != null) return Optional.of(exact);

        int slash = name.indexOf('/');
        if (slash > 0) {
            String provider = name.substring(0, slash);
            if (isProvider(provider)) {
                Map<String, ModelInfo> providers = byProviderModel.get(name.substring(slash + 1));
                return Optional.ofNullable(providers == null ? null : providers.get(provider));
            }
        }

        Map<String, ModelInfo> providers = byProviderModel.get(name);
        if (providers == null) return Optional.empty();
        List<String> makers = makers(name);
        if (makers != null) {
            return makers.stream().map(providers::get).filter(m -> m != null).findFirst();
        }
        return providers.size() == 1 ? Optional.of(providers.values().iterator().next()) : Optional.empty();
    }

    /** LiteLLM's deprecation date of the model {@code name} resolves to, where the price list has one. */
    public Optional<LocalDate> deprecationDate(String name) {
        return find(name).map(m -> deprecationDates.get(m.name()));
    }

    /** Every entry, sorted by name. */
    public List<ModelInfo> all() {
        return all;
    }

    public int size() {
        return all.size();
    }

    private boolean isProvider(String provider) {
        return providers.contains(provider);
    }

    private static List<String> makers(String name) {
        for (Map.Entry<String, List<String>> maker : MAKERS) {
            if (name.startsWith(maker.getKey())) return maker.getValue();
        }
        return null;
    }

    /** 0 for a key that is the bare model id, 1 for {@code provider/id}, 2 for a scoped key (region, commitment, route). */
    private static int shape(ModelInfo m) {
        if (m.name().equals(m.providerModel())) return 0;
        return m.name().equals(m.id()) ? 1 : 2;
    }

    private static InputStream resource(String path) {
        InputStream in = ModelCatalog.class.getResourceAsStream(path);
        if (in == null) throw new IllegalStateException("resource " + path + " is missing from the classpath");
        return in;
    }

    private static void parse(InputStream in, Map<String, ModelInfo> into, Map<String, LocalDate> deprecations)
            throws IOException {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("the catalog is no JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() != JsonToken.START_OBJECT) { // "_comment" and the like
                    p.skipChildren();
                    continue;
                }
                Entry e = readEntry(p, name);
                if (into.containsKey(name)) continue; // the price list wins over the legacy list
                into.put(name, e.info());
                if (e.deprecationDate() != null) deprecations.put(name, e.deprecationDate());
            }
        }
    }

    private record Entry(ModelInfo info, LocalDate deprecationDate) {}

    private static Entry readEntry(JsonParser p, String name) throws IOException {
        String provider = null, providerModel = null, mode = null, deprecation = null;
        Integer maxIn = null, maxOut = null;
        BigDecimal costIn = null, costOut = null, cacheRead = null, cacheCreation = null;
        boolean tools = false, vision = false, schema = false, reasoning = false, retired = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "provider" -> provider = text(p, value);
                case "provider_model" -> providerModel = text(p, value);
                case "mode" -> mode = text(p, value);
                case "max_input_tokens" -> maxIn = integer(p, value);
                case "max_output_tokens" -> maxOut = integer(p, value);
                case "input_cost_per_token" -> costIn = decimal(p, value);
                case "output_cost_per_token" -> costOut = decimal(p, value);
                case "cache_read_input_token_cost" -> cacheRead = decimal(p, value);
                case "cache_creation_input_token_cost" -> cacheCreation = decimal(p, value);
                case "supports_function_calling" -> tools = value == JsonToken.VALUE_TRUE;
                case "supports_vision" -> vision = value == JsonToken.VALUE_TRUE;
                case "supports_response_schema" -> schema = value == JsonToken.VALUE_TRUE;
                case "supports_reasoning" -> reasoning = value == JsonToken.VALUE_TRUE;
                case "retired" -> retired = value == JsonToken.VALUE_TRUE;
                case "deprecation_date" -> deprecation = text(p, value);
                default -> p.skipChildren();
            }
        }
        if (provider == null || mode == null) {
            throw new IOException("catalog entry '" + name + "' has no provider or mode");
        }
        if (providerModel == null) {
            providerModel = name.startsWith(provider + "/") ? name.substring(provider.length() + 1) : name;
        }
        ModelInfo.Mode parsedMode;
        try {
            parsedMode = ModelInfo.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException("catalog entry '" + name + "' has mode '" + mode + "', not chat, completion or embedding");
        }
        ModelInfo info = new ModelInfo(name, provider, providerModel, parsedMode, maxIn, maxOut, costIn, costOut, cacheRead, cacheCreation,
                tools, vision, schema, reasoning, retired);
        return new Entry(info, date(deprecation));
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_STRING ? p.getText() : null;
    }

    private static Integer integer(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
    }

    private static BigDecimal decimal(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT ? p.getDecimalValue() : null;
    }

    private static LocalDate date(String text) {
        if (text == null) return null;
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
