package relay.core.access;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** LiteLLM's duration strings: {@code 30s}, {@code 10m}, {@code 1h}, {@code 30d}; {@code 1mo} is taken as 30 days. */
public final class BudgetDurations {
    /** Longer than any budget period or key lifetime anyone means. */
    static final Duration LONGEST = Duration.ofDays(3650);
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,7})(s|m|h|d|mo)");

    private BudgetDurations() {}

    /** The duration, or null when {@code text} is not one (the caller names the field). */
    static Duration parse(String text) {
        if (text == null) return null;
        Matcher m = FORMAT.matcher(text.strip());
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(30 * n);
        };
        return d.isZero() || d.compareTo(LONGEST) > 0 ? null : d;
    }
}
