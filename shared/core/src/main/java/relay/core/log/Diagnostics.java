package relay.core.log;

import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.Json;

/**
 * Relay's own operational messages, one JSON line each on stderr (CloudWatch keeps a line as one
 * event). Callers pass only what is safe to print: never a key, never a request body. A record value
 * is written as a JSON object; anything else as its string.
 */
public final class Diagnostics {
    private Diagnostics() {}

    public static void warn(String event, Object... fieldsAndValues) {
        emit("WARN", event, fieldsAndValues);
    }

    public static void info(String event, Object... fieldsAndValues) {
        emit("INFO", event, fieldsAndValues);
    }

    private static void emit(String level, String event, Object... fieldsAndValues) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("level", level);
        line.put("event", event);
        for (int i = 0; i + 1 < fieldsAndValues.length; i += 2) {
            Object value = fieldsAndValues[i + 1];
            line.put(String.valueOf(fieldsAndValues[i]), value instanceof Record ? value : String.valueOf(value));
        }
        System.err.println(Json.write(line));
    }
}
