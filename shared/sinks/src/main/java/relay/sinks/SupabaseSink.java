package relay.sinks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import relay.core.Json;
import relay.core.keys.KeyStore;

/**
 * A row per request in a Supabase table, through its REST API (PostgREST):
 * {@code POST {SUPABASE_URL}/rest/v1/{table}?on_conflict=litellm_call_id} with the key as
 * {@code apikey} and {@code Authorization: Bearer}, {@code Prefer: return=minimal,resolution=merge-duplicates}
 * (an upsert on the request id, so a retried delivery does not add a row), a JSON array of rows.
 * The columns are those of LiteLLM's documented {@code request_logs} table, which LiteLLM's own
 * Supabase callback writes: {@code litellm_call_id, created_at, model, messages, response, end_user,
 * status, error, response_time, total_cost, additional_details}; every row names all of them, as a
 * bulk insert needs. Keys: {@code SUPABASE_URL}, {@code SUPABASE_KEY}; table {@code SUPABASE_TABLE}
 * (default {@code request_logs}, LiteLLM's).
 */
final class SupabaseSink implements Sink {
    static final String DEFAULT_TABLE = "request_logs";

    private final KeyStore keys;

    SupabaseSink(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public String name() {
        return "supabase";
    }

    @Override
    public int maxBatch() {
        return 100;
    }

    @Override
    public SinkRequest request(List<SinkEvent> events) {
        String base = Keys.baseUrl(name(), "SUPABASE_URL", Keys.required(keys, name(), "SUPABASE_URL"));
        String key = Keys.required(keys, name(), "SUPABASE_KEY");
        String table = Keys.optional(keys, "SUPABASE_TABLE", DEFAULT_TABLE);
        ArrayNode rows = Json.MAPPER.createArrayNode();
        events.forEach(e -> rows.add(row(e)));
        URI uri = URI.create(base + "/rest/v1/" + URLEncoder.encode(table, StandardCharsets.UTF_8) + "?on_conflict=litellm_call_id");
        return SinkRequest.json(uri, Map.of(
                "apikey", key,
                "Authorization", "Bearer " + key,
                "Content-Type", "application/json",
                "Prefer", "return=minimal,resolution=merge-duplicates"), rows.toString());
    }

    static ObjectNode row(SinkEvent e) {
        var log = e.log();
        ObjectNode row = Json.MAPPER.createObjectNode();
        row.put("litellm_call_id", e.requestId());
        row.put("created_at", log.time().toString());
        row.put("model", log.requestedModel() != null ? log.requestedModel() : e.model());
        row.set("messages", e.messages());
        String answer = e.responseText();
        if (answer == null) row.putNull("response"); else row.put("response", answer);
        row.put("end_user", e.user());
        row.put("status", e.success() ? "success" : "failure");
        if (e.success()) {
            row.putNull("error");
        } else {
            ObjectNode error = row.putObject("error");
            error.put("status", log.status());
            error.put("type", log.errorType());
            error.put("code", log.errorCode());
            if (e.fields().has("error_message")) error.set("message", e.fields().get("error_message"));
        }
        row.put("response_time", log.latencyMillis() / 1000.0);
        row.put("total_cost", log.costUsd());
        row.set("additional_details", e.fields());
        return row;
    }
}
