package relay.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A config file read: its settings, the settings Relay will not act on (each to be named once at startup), and
 * where each setting is, so that every error names the file, the line and the setting in one message
 * ({@code config.yaml:14: router_settings.allowed_fails: must be at least 1}).
 */
public final class ConfigFile {
    /** The name messages give a config read from text rather than from a file of its own. */
    public static final String DEFAULT_NAME = "config.yaml";

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // named by ConfigKeys instead
            .build();
    /** A setting's path at the start of a message ({@code litellm_settings.cache_params.type 'x' is ...}). */
    private static final Pattern LEADING_PATH = Pattern.compile(
            "^([A-Za-z_][A-Za-z0-9_]*(?:\\[\\d+])*(?:\\.[A-Za-z_][A-Za-z0-9_]*(?:\\[\\d+])*)+)");

    private final String name;
    private final RelayConfig config;
    private final List<ConfigKeys.Ignored> ignored;
    private final YamlLines lines;

    private ConfigFile(String name, RelayConfig config, List<ConfigKeys.Ignored> ignored, YamlLines lines) {
        this.name = name;
        this.config = config;
        this.ignored = List.copyOf(ignored);
        this.lines = lines;
    }

    /** Reads and checks {@code file}; a {@link ConfigException} names the file, the line and the setting. */
    public static ConfigFile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** @param name the file's name, for messages */
    public static ConfigFile parse(String yaml, String name) {
        YamlLines lines = YamlLines.of(yaml == null ? "" : yaml);
        ConfigFile empty = new ConfigFile(name, RelayConfig.empty(), List.of(), lines);
        if (yaml == null || yaml.isBlank()) return empty;
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw empty.unreadable(e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) return empty; // only comments: nothing configured
        if (!tree.isObject()) {
            throw new ConfigException("the file must be a mapping of settings (model_list, router_settings, litellm_settings, "
                    + "general_settings, ...), not " + (tree.isArray() ? "a list" : "a single value")).at(where(name, 1));
        }
        RelayConfig config;
        try {
            config = YAML.readValue(yaml, RelayConfig.class);
        } catch (JsonProcessingException e) {
            throw empty.unreadable(e);
        }
        ConfigFile file = new ConfigFile(name, config, ConfigKeys.check(tree), lines);
        file.check(RelayConfig::validate);
        if (config.generalSettings().strict() && !file.ignored.isEmpty()) {
            StringBuilder list = new StringBuilder();
            for (String warning : file.warnings()) list.append("\n  ").append(warning);
            throw file.locate(new ConfigException("general_settings.strict_config", "is on, and Relay would ignore "
                    + file.ignored.size() + (file.ignored.size() == 1 ? " setting:" : " settings:") + list
                    + "\nRemove them, or set strict_config: false to start with a warning for each."));
        }
        return file;
    }

    public RelayConfig config() {
        return config;
    }

    /** The settings Relay will not act on, one line each: {@code config.yaml:12: litellm_settings.callbacks[0]: ...}. */
    public List<String> warnings() {
        return ignored.stream().map(i -> place(i.path()) + ": " + i.path() + ": " + i.message()).toList();
    }

    /**
     * Runs checks that need more than the file (the known providers, the router's policy); a {@link ConfigException}
     * they throw is placed in the file like any other.
     */
    public ConfigFile check(Consumer<RelayConfig> checks) {
        try {
            checks.accept(config);
        } catch (ConfigException e) {
            throw locate(e);
        }
        return this;
    }

    /** {@code e} with this file, and the line of the setting it names, in front of its message. */
    public ConfigException locate(ConfigException e) {
        if (e.located()) return e;
        String setting = e.setting();
        if (setting == null) {
            Matcher leading = LEADING_PATH.matcher(e.getMessage());
            if (leading.find()) setting = leading.group(1);
        }
        return e.at(setting == null ? name : place(setting));
    }

    private String place(String setting) {
        Integer line = lines.line(setting);
        return line == null ? name : where(name, line);
    }

    private static String where(String name, int line) {
        return name + ":" + line;
    }

    /** A file Jackson cannot read, or cannot read into the settings: where, which setting, what was wrong. */
    private ConfigException unreadable(JsonProcessingException e) {
        String setting = e instanceof JsonMappingException mapping ? path(mapping) : null;
        Integer line = null;
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblemMark() != null) {
            line = marked.getProblemMark().getLine() + 1;
        }
        JsonLocation location = e.getLocation();
        if (line == null && location != null && location.getLineNr() > 0) line = location.getLineNr();
        if (line == null && setting != null) line = lines.line(setting);
        ConfigException error = new ConfigException(setting, problem(e));
        return error.at(line == null ? name : where(name, line));
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) path.append('.');
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    private static String problem(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
            String context = marked.getContext();
            return "not valid YAML: " + marked.getProblem() + (context == null ? "" : " (" + context + ")");
        }
        if (e instanceof InvalidFormatException invalid) {
            return "'" + invalid.getValue() + "' is not " + expected(invalid.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return "must be " + expected(mismatched.getTargetType());
        }
        if (e instanceof JsonMappingException) return firstLine(e.getOriginalMessage());
        return "not valid YAML: " + firstLine(e.getOriginalMessage());
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "a whole number";
        if (type == Double.class || type == double.class || Number.class.isAssignableFrom(type)) return "a number";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a single value (text)";
        if (java.util.Collection.class.isAssignableFrom(type)) return "a list";
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) return "a mapping of settings";
        return "a " + type.getSimpleName();
    }

    private static String firstLine(String message) {
        if (message == null) return "unreadable";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
