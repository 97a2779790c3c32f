package relay.core.guardrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import relay.core.Json;
import relay.core.config.ConfigException;
import relay.core.config.ConfigKeys;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;

/**
 * The configured guardrails ({@code guardrails:} in config, LiteLLM's format), run on every request body before it
 * is routed: those with {@code default_on: true}, and those the request names in {@code guardrails} (or
 * {@code metadata.guardrails}). What they mask is masked before any provider call and before the cache key is
 * made; a block is a 400 naming the guardrail. The request log records what each found, as labels and counts
 * ({@code relay_guardrails: pii-mask masked EMAIL=1, US_SSN=1}), and keeps the masked body, never a value.
 */
public final class Guardrails {
    /** The request log's metadata entry for what guardrails found. */
    public static final String LOG_KEY = "relay_guardrails";
    /** The most guardrails one request may name. */
    static final int MAX_REQUESTED = 32;

    public static final Guardrails NONE = new Guardrails(List.of(), Map.of());

    /** Makes a guardrail of a type Relay runs outside this module (Bedrock's, which needs AWS request signing). */
    @FunctionalInterface
    public interface Factory {
        /** @param where the guardrail's {@code litellm_params} path, for messages */
        Guardrail create(String name, boolean defaultOn, Map<String, Object> params, String where);
    }

    private final List<Guardrail> guardrails;
    /** Configured guardrails Relay does not run (a type or mode it lacks), by name: why. */
    private final Map<String, String> notRun;

    private Guardrails(List<Guardrail> guardrails, Map<String, String> notRun) {
        this.guardrails = List.copyOf(guardrails);
        this.notRun = Map.copyOf(notRun);
    }

    /** The built-in guardrail types only. */
    public static Guardrails from(RelayConfig config) {
        return from(config, Map.of());
    }

    /**
     * @param external how to make guardrails of types beyond the built-in one ({@code bedrock}), by type; a type
     *                 neither built in nor here is configured but not run (its startup warning says so)
     */
    public static Guardrails from(RelayConfig config, Map<String, Factory> external) {
        List<Guardrail> guardrails = new ArrayList<>();
        Map<String, String> notRun = new LinkedHashMap<>();
        for (int i = 0; i < config.guardrails().size(); i++) {
            RelayConfig.GuardrailEntry entry = config.guardrails().get(i);
            String where = "guardrails[" + i + "].litellm_params";
            Map<String, Object> params = entry.litellmParams();
            if (!(params.get("guardrail") instanceof String type) || type.isBlank()) {
                throw new ConfigException(where + ".guardrail", "is required: the guardrail's type (litellm_content_filter or bedrock)");
            }
            Object defaultOn = params.get("default_on");
            if (defaultOn != null && !(defaultOn instanceof Boolean)) throw new ConfigException(where + ".default_on", "must be true or false");
            if (!runsBeforeTheCall(params.get("mode"), where + ".mode")) {
                notRun.put(entry.guardrailName(), "its mode is not pre_call");
                continue;
            }
            boolean on = Boolean.TRUE.equals(defaultOn);
            if (type.equals("litellm_content_filter")) {
                guardrails.add(ContentFilter.from(entry.guardrailName(), on, params, where));
            } else if (external.containsKey(type) && ConfigKeys.GUARDRAIL_TYPES.contains(type)) {
                guardrails.add(external.get(type).create(entry.guardrailName(), on, params, where));
            } else {
                notRun.put(entry.guardrailName(), "Relay does not run guardrails of the type '" + type + "'");
            }
        }
        return guardrails.isEmpty() && notRun.isEmpty() ? NONE : new Guardrails(guardrails, notRun);
    }

    /** LiteLLM's {@code mode}: one name or a list; Relay runs a guardrail whose modes include pre_call. */
    private static boolean runsBeforeTheCall(Object mode, String where) {
        if (mode == null) throw new ConfigException(where, "is required: pre_call (the one mode Relay runs)");
        if (mode instanceof String s) return s.equals(ConfigKeys.PRE_CALL);
        if (mode instanceof List<?> modes) return modes.contains(ConfigKeys.PRE_CALL);
        throw new ConfigException(where, "must be pre_call, or a list of modes");
    }

    /** The guardrails Relay runs, in config order. */
    public List<Guardrail> all() {
        return guardrails;
    }

    /**
     * Screens a request body: returns it as it is when no guardrail runs or none changes it, else a masked copy (the
     * caller's body is never changed). Throws a {@link RelayException} (400) for a blocked request, and for a request
     * naming a guardrail Relay does not have or does not run.
     */
    public ObjectNode screen(ObjectNode body, RequestTrace trace) {
        Set<String> asked = requested(body);
        List<Guardrail> active = guardrails.stream().filter(g -> g.defaultOn() || asked.contains(g.name())).toList();
        if (active.isEmpty()) return body;
        ObjectNode copy = body.deepCopy();
        Texts texts = Texts.of(copy);
        List<String> notes = new ArrayList<>();
        RelayException blocked = null;
        for (Guardrail guardrail : active) {
            Findings found = guardrail.screen(texts);
            if (!found.masked().isEmpty()) notes.add(guardrail.name() + " masked " + Findings.counts(found.masked()));
            if (!found.blocked().isEmpty()) {
                notes.add(guardrail.name() + " blocked " + Findings.counts(found.blocked()));
                // the first refusal is the answer; later guardrails still run, so the log's copy is masked by all
                if (blocked == null) {
                    blocked = new RelayException(ErrorKind.GUARDRAIL_BLOCKED, "The request was blocked by the guardrail '"
                            + guardrail.name() + "': it contains " + Findings.counts(found.blocked()) + ".");
                }
            }
        }
        if (notes.isEmpty()) return body;
        trace.logNote(LOG_KEY, String.join("; ", notes));
        trace.requestBody(Json.write(copy)); // the log keeps what the provider got (or would have), not the values
        if (blocked != null) throw blocked;
        return copy;
    }

    /** The guardrails the request names ({@code guardrails}, {@code metadata.guardrails}): a list, or a mapping by name. */
    private Set<String> requested(ObjectNode body) {
        Set<String> names = new LinkedHashSet<>();
        names(body.get("guardrails"), "guardrails", names);
        JsonNode metadata = body.get("metadata");
        if (metadata != null && metadata.isObject()) names(metadata.get("guardrails"), "metadata.guardrails", names);
        for (String name : names) {
            if (notRun.containsKey(name)) {
                throw RelayException.invalid("guardrails", "The guardrail '" + name + "' is configured, but Relay does not run it: "
                        + notRun.get(name) + ".");
            }
            if (guardrails.stream().noneMatch(g -> g.name().equals(name))) {
                throw RelayException.invalid("guardrails", "There is no guardrail '" + shown(name) + "'; "
                        + (guardrails.isEmpty() ? "none is configured." : "configured: "
                        + String.join(", ", guardrails.stream().map(Guardrail::name).toList()) + "."));
            }
        }
        return names;
    }

    private static void names(JsonNode given, String field, Set<String> into) {
        if (given == null || given.isNull()) return;
        if (given.isObject()) {
            given.fieldNames().forEachRemaining(into::add);
        } else if (given.isArray()) {
            for (int i = 0; i < given.size(); i++) {
                if (!given.get(i).isTextual()) {
                    throw RelayException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a guardrail's name.");
                }
                into.add(given.get(i).asText());
            }
        } else {
            throw RelayException.invalid(field, "'" + field + "' must be a list of guardrail names.");
        }
        if (into.size() > MAX_REQUESTED) throw RelayException.invalid(field, "A request may name at most " + MAX_REQUESTED + " guardrails.");
    }

    private static String shown(String name) {
        StringBuilder safe = new StringBuilder();
        for (int i = 0; i < name.length() && safe.length() < 100; i++) {
            char c = name.charAt(i);
            safe.append(Character.isISOControl(c) || relay.core.error.BidiControls.is(c) ? '?' : c);
        }
        return safe.toString();
    }
}
