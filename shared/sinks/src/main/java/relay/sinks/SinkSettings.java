package relay.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import relay.core.config.ConfigException;

/**
 * The log sinks a config chooses, read from LiteLLM's {@code config.yaml}:
 * {@code litellm_settings.success_callback} (sinks that get successful requests),
 * {@code litellm_settings.failure_callback} (sinks that get failed ones), {@code litellm_settings.callbacks}
 * (sinks that get both) and
 * {@code litellm_settings.turn_off_message_logging} (no message text to any sink). Names are
 * LiteLLM's ({@code supabase}, {@code posthog}, {@code mixpanel}, {@code sentry}, {@code helicone});
 * any other name is kept here and skipped by {@link Sinks}, as LiteLLM callbacks Relay does not
 * have (the config's startup warnings name them, {@link relay.core.config.ConfigKeys}). Everything else in
 * the file is left to {@link relay.core.config.RelayConfig}.
 */
public record SinkSettings(List<String> successCallbacks, List<String> failureCallbacks, boolean turnOffMessageLogging) {
    public static final SinkSettings NONE = new SinkSettings(List.of(), List.of(), false);

    private static final YAMLMapper YAML = new YAMLMapper();

    public SinkSettings {
        successCallbacks = normalize(successCallbacks);
        failureCallbacks = normalize(failureCallbacks);
    }

    /** Every sink named in either list, in order of first mention. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>(successCallbacks);
        names.addAll(failureCallbacks);
        return names;
    }

    public boolean isEmpty() {
        return successCallbacks.isEmpty() && failureCallbacks.isEmpty();
    }

    public static SinkSettings from(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    public static SinkSettings parse(String yaml) {
        JsonNode root;
        try {
            root = yaml == null || yaml.isBlank() ? null : YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException("config.yaml is not valid: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return NONE;
        JsonNode settings = root.path("litellm_settings");
        // LiteLLM's callbacks run on success and on failure alike
        List<String> both = names(settings, "callbacks");
        List<String> success = new ArrayList<>(names(settings, "success_callback"));
        List<String> failure = new ArrayList<>(names(settings, "failure_callback"));
        success.addAll(both);
        failure.addAll(both);
        return new SinkSettings(success, failure, settings.path("turn_off_message_logging").asBoolean(false));
    }

    /** A list of names, or one name as a plain string (LiteLLM's docs show both). */
    private static List<String> names(JsonNode settings, String field) {
        JsonNode node = settings.path(field);
        List<String> names = new ArrayList<>();
        if (node.isTextual()) names.add(node.asText());
        else if (node.isArray()) node.forEach(n -> {
            if (!n.isTextual()) throw new ConfigException("litellm_settings." + field + " must list callback names");
            names.add(n.asText());
        });
        else if (!node.isMissingNode() && !node.isNull()) {
            throw new ConfigException("litellm_settings." + field + " must list callback names");
        }
        return names;
    }

    private static List<String> normalize(List<String> names) {
        if (names == null) return List.of();
        return List.copyOf(new LinkedHashSet<>(names.stream()
                .filter(n -> n != null && !n.isBlank())
                .map(n -> n.trim().toLowerCase(Locale.ROOT)).toList()));
    }
}
