package relay.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each setting of a YAML file is: its path as messages write it ({@code model_list[1].litellm_params.model})
 * to its line, so that an error found after parsing still points into the file. A file that cannot be parsed
 * whole gives the lines of what came before the fault.
 */
final class YamlLines {
    private static final YAMLFactory YAML = new YAMLFactory();

    private final Map<String, Integer> lines;

    private YamlLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static YamlLines of(String yaml) {
        Map<String, Integer> lines = new HashMap<>();
        Deque<Container> open = new ArrayDeque<>();
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                int line = parser.currentTokenLocation().getLineNr();
                if (token == JsonToken.FIELD_NAME) {
                    Container object = open.peek();
                    object.field = object.path.isEmpty() ? parser.currentName() : object.path + "." + parser.currentName();
                    lines.putIfAbsent(object.field, line);
                    continue;
                }
                if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    open.pop();
                    continue;
                }
                String path = "";
                Container parent = open.peek();
                if (parent != null && parent.array) {
                    path = parent.path + "[" + parent.items++ + "]";
                    lines.putIfAbsent(path, line);
                } else if (parent != null) {
                    path = parent.field;
                }
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    open.push(new Container(path, token == JsonToken.START_ARRAY));
                }
            }
        } catch (IOException | RuntimeException unparseable) {
            // the parse itself reports the fault; the lines read so far still serve
        }
        return new YamlLines(lines);
    }

    /** The line of {@code path}, else of the nearest setting that holds it (a missing key: its parent); null if none. */
    Integer line(String path) {
        String at = path;
        while (at != null && !at.isEmpty()) {
            Integer line = lines.get(at);
            if (line != null) return line;
            at = parent(at);
        }
        return null;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        int bracket = path.lastIndexOf('[');
        int cut = Math.max(dot, bracket);
        return cut <= 0 ? null : path.substring(0, cut);
    }

    private static final class Container {
        final String path;
        final boolean array;
        String field;
        int items;

        Container(String path, boolean array) {
            this.path = path;
            this.array = array;
        }
    }
}
