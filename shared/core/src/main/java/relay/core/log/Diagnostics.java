package relay.core.log;

import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.Json;

/**
 * Relay's own operational messages, one JSON line each on stderr (CloudWatch keeps a line as one
 * event). Callers pass only what is safe to print: never a key, never a request body.
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
            line.put(String.valueOf(fieldsAndValues[i]), String.valueOf(fieldsAndValues[i + 1]));
        }
        System.err.println(Json.write(line));
    }
}
