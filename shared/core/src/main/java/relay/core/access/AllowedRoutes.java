package relay.core.access;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import relay.core.error.RelayException;

/**
 * LiteLLM's {@code allowed_routes} on a virtual key: the routes the key may call, each a path (with or without
 * {@code /v1}; a path also allows what is under it, as {@code /responses} allows {@code /responses/{id}}) or one of
 * LiteLLM's route groups. An empty list allows every route, as in LiteLLM. Admin routes need the master key anyway.
 */
public final class AllowedRoutes {
    private static final Set<String> OPENAI = Set.of("/chat/completions", "/completions", "/embeddings", "/models", "/responses");
    private static final Set<String> ANTHROPIC = Set.of("/messages");
    /** LiteLLM's group names, as far as Relay serves their routes. */
    static final Map<String, Set<String>> GROUPS = Map.of(
            "openai_routes", OPENAI,
            "anthropic_routes", ANTHROPIC,
            "llm_api_routes", union(OPENAI, ANTHROPIC),
            "info_routes", Set.of("/models"));
    static final int MAX_ROUTES = 100;
    private static final int MAX_ROUTE_CHARS = 256;

    private AllowedRoutes() {}

    /** The admin API's {@code allowed_routes}, checked and written as Relay matches them; a bad one is a 400 naming it. */
    static List<String> parse(List<String> given, String field) {
        if (given.size() > MAX_ROUTES) throw RelayException.invalid(field, "'" + field + "' may list at most " + MAX_ROUTES + " routes.");
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String route = given.get(i).strip();
            if (GROUPS.containsKey(route)) {
                routes.add(route);
            } else if (route.startsWith("/") && route.length() <= MAX_ROUTE_CHARS && route.chars().noneMatch(c -> c <= ' ' || c == '?' || c == '#')) {
                routes.add(path(route));
            } else {
                throw RelayException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a route such as "
                        + "\"/v1/chat/completions\", or one of " + String.join(", ", GROUPS.keySet().stream().sorted().toList()) + ".");
            }
        }
        return routes;
    }

    /** Whether a key with {@code allowed} may call {@code path} (already without {@code /v1}). */
    static boolean allows(List<String> allowed, String path) {
        if (allowed.isEmpty()) return true;
        for (String route : allowed) {
            for (String prefix : GROUPS.getOrDefault(route, Set.of(route))) {
                if (path.equals(prefix) || path.startsWith(prefix + "/")) return true;
            }
        }
        return false;
    }

    /** {@code /v1/x/} and {@code /x} are the same route, as Relay serves them. */
    private static String path(String route) {
        String p = route;
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.equals("/v1")) return "/";
        return p.startsWith("/v1/") ? p.substring(3) : p;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
