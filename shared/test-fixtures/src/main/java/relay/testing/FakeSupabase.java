package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Supabase's REST API (PostgREST) for one table, on loopback: {@code POST /rest/v1/{table}} with the
 * project's key in both {@code apikey} and {@code Authorization: Bearer}, a JSON object or array of
 * rows, {@code Prefer: return=minimal} (answer 201 with no body) and upserts
 * ({@code ?on_conflict=col} with {@code Prefer: resolution=merge-duplicates}). The table has the
 * columns of LiteLLM's documented {@code request_logs} DDL; an unknown column is PostgREST's
 * PGRST204, a duplicate {@code litellm_call_id} without upsert is 409 (23505), as Postgres answers.
 */
public final class FakeSupabase extends FakeSinkServer {
    /** LiteLLM's table DDL (docs/observability/supabase_integration): the columns a row may name. */
    public static final Set<String> COLUMNS = Set.of("id", "created_at", "model", "messages", "response", "end_user",
            "status", "error", "response_time", "total_cost", "additional_details", "litellm_call_id");

    private final String table;
    private final String key;
    private final Map<String, ObjectNode> rows = new LinkedHashMap<>();

    private FakeSupabase(String table, String key) {
        this.table = table;
        this.key = key;
    }

    public static FakeSupabase start(String table, String key) {
        return new FakeSupabase(table, key);
    }

    /** The table's rows by {@code litellm_call_id}, in insertion order. */
    public synchronized List<ObjectNode> rows() {
        return List.copyOf(rows.values());
    }

    @Override
    protected String errorBody(int status) {
        return "{\"code\":\"PGRST000\",\"details\":null,\"hint\":null,\"message\":\"scripted failure " + status + "\"}";
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        if (!path.equals("/rest/v1/" + table)) {
            return Answer.json(404, error("42P01", "relation \"public." + path.substring(path.lastIndexOf('/') + 1)
                    + "\" does not exist"));
        }
        if (!key.equals(headers.get("apikey"))) {
            return Answer.json(401, "{\"message\":\"Invalid API key\",\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}");
        }
        if (!("Bearer " + key).equals(headers.get("authorization"))) {
            return Answer.json(401, error("PGRST301", "JWSError JWSInvalidSignature"));
        }
        if (!method.equals("POST")) return Answer.json(405, error("PGRST117", "Unsupported HTTP method: " + method));
        if (!String.valueOf(headers.get("content-type")).startsWith("application/json")) {
            return Answer.json(415, error("PGRST107", "Content-Type not acceptable"));
        }
        JsonNode json = parse(body);
        if (json == null || !(json.isObject() || json.isArray())) {
            return Answer.json(400, error("PGRST102", "Empty or invalid json"));
        }
        List<JsonNode> incoming = new ArrayList<>();
        if (json.isArray()) json.forEach(incoming::add); else incoming.add(json);
        for (JsonNode row : incoming) {
            if (!row.isObject()) return Answer.json(400, error("PGRST102", "All object keys must match"));
            for (var names = row.fieldNames(); names.hasNext(); ) {
                String column = names.next();
                if (!COLUMNS.contains(column)) {
                    return Answer.json(400, error("PGRST204", "Could not find the '" + column + "' column of '" + table
                            + "' in the schema cache"));
                }
            }
        }
        String prefer = headers.getOrDefault("prefer", "");
        boolean upsert = prefer.contains("resolution=merge-duplicates")
                && "litellm_call_id".equals(queryParameters(query).get("on_conflict"));
        for (JsonNode row : incoming) {
            String id = row.path("litellm_call_id").asText(null);
            if (id != null && rows.containsKey(id) && !upsert) {
                return Answer.json(409, error("23505",
                        "duplicate key value violates unique constraint \"request_logs_litellm_call_id_key\""));
            }
        }
        for (JsonNode row : incoming) {
            String id = row.path("litellm_call_id").asText("row-" + rows.size());
            rows.put(id, (ObjectNode) row.deepCopy());
        }
        return prefer.contains("return=representation") ? Answer.json(201, json.toString()) : new Answer(201, null, null);
    }

    private static String error(String code, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("code", code);
        error.putNull("details");
        error.putNull("hint");
        error.put("message", message);
        return error.toString();
    }
}
