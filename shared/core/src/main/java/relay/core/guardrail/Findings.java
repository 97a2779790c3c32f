package relay.core.guardrail;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a guardrail found in a request: how many values of each kind it masked, and how many blocked it (their
 * labels only: a value itself is never kept, logged or echoed).
 */
public record Findings(Map<String, Integer> masked, Map<String, Integer> blocked) {
    public static final Findings NONE = new Findings(Map.of(), Map.of());

    public Findings {
        masked = Map.copyOf(masked);
        blocked = Map.copyOf(blocked);
    }

    public boolean isEmpty() {
        return masked.isEmpty() && blocked.isEmpty();
    }

    /** Collects counts as a guardrail screens. */
    static final class Counter {
        private final Map<String, Integer> masked = new LinkedHashMap<>();
        private final Map<String, Integer> blocked = new LinkedHashMap<>();

        void add(String label, boolean blocks, int count) {
            if (count > 0) (blocks ? blocked : masked).merge(label, count, Integer::sum);
        }

        Findings findings() {
            return masked.isEmpty() && blocked.isEmpty() ? NONE : new Findings(new LinkedHashMap<>(masked), new LinkedHashMap<>(blocked));
        }
    }

    /** {@code EMAIL=2, US_SSN=1}, labels sorted: for messages and the request log. */
    static String counts(Map<String, Integer> counts) {
        return String.join(", ", new java.util.TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }
}
