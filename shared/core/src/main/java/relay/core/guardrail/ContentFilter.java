package relay.core.guardrail;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import relay.core.config.ConfigException;

/**
 * LiteLLM's built-in {@code litellm_content_filter}, as Relay runs it before the provider call: prebuilt patterns
 * (e-mail, phone, card numbers with their Luhn check, US SSN, IBAN with its checksum, AWS access keys), custom
 * regular expressions and keywords, each with the action {@code MASK} (the value becomes
 * {@code [EMAIL_REDACTED]}) or {@code BLOCK} (the request is refused with a 400 naming the guardrail).
 *
 * <pre>
 * guardrails:
 *   - guardrail_name: pii-mask
 *     litellm_params:
 *       guardrail: litellm_content_filter
 *       mode: pre_call
 *       default_on: true
 *       patterns:
 *         - {pattern_type: prebuilt, pattern_name: email, action: MASK}
 *         - {pattern_type: prebuilt, pattern_name: us_ssn, action: BLOCK}
 *       blocked_words:
 *         - {keyword: project-zeus, action: BLOCK}
 * </pre>
 */
final class ContentFilter implements Guardrail {
    static final String DEFAULT_REDACTION_FORMAT = "[{pattern_name}_REDACTED]";
    static final String DEFAULT_KEYWORD_TAG = "[KEYWORD_REDACTED]";
    /** The label keywords are counted under: the keyword itself could be what must not be repeated. */
    static final String KEYWORD_LABEL = "KEYWORD";

    enum Action { MASK, BLOCK }

    private record Rule(Detector detector, Action action) {}

    private record Keyword(Pattern pattern, Action action) {}

    private final String name;
    private final boolean defaultOn;
    private final List<Rule> rules;
    private final List<Keyword> keywords;
    private final String redactionFormat;
    private final String keywordTag;

    private ContentFilter(String name, boolean defaultOn, List<Rule> rules, List<Keyword> keywords, String redactionFormat,
                          String keywordTag) {
        this.name = name;
        this.defaultOn = defaultOn;
        this.rules = List.copyOf(rules);
        this.keywords = List.copyOf(keywords);
        this.redactionFormat = redactionFormat;
        this.keywordTag = keywordTag;
    }

    /** @param where the guardrail's {@code litellm_params} path, for messages */
    static ContentFilter from(String name, boolean defaultOn, Map<String, Object> params, String where) {
        List<Rule> rules = new ArrayList<>();
        List<Object> patterns = list(params.get("patterns"), where + ".patterns");
        for (int i = 0; i < patterns.size(); i++) rules.add(rule(patterns.get(i), where + ".patterns[" + i + "]"));
        // prebuilt ones in their own order (the most specific first), then custom ones as written
        List<String> order = List.copyOf(Detector.PREBUILT.keySet());
        rules.sort(Comparator.comparingInt(r -> {
            int at = order.indexOf(r.detector().name());
            return at < 0 || Detector.PREBUILT.get(r.detector().name()) != r.detector() ? order.size() : at;
        }));
        List<Keyword> keywords = new ArrayList<>();
        List<Object> words = list(params.get("blocked_words"), where + ".blocked_words");
        for (int i = 0; i < words.size(); i++) keywords.add(keyword(words.get(i), where + ".blocked_words[" + i + "]"));
        if (rules.isEmpty() && keywords.isEmpty()) {
            throw new ConfigException(where, "has no patterns and no blocked_words: it would find nothing");
        }
        String format = text(params.get("pattern_redaction_format"), where + ".pattern_redaction_format", DEFAULT_REDACTION_FORMAT);
        if (!format.contains("{pattern_name}")) {
            throw new ConfigException(where + ".pattern_redaction_format", "must contain {pattern_name}");
        }
        String tag = text(params.get("keyword_redaction_tag"), where + ".keyword_redaction_tag", DEFAULT_KEYWORD_TAG);
        return new ContentFilter(name, defaultOn, rules, keywords, format, tag);
    }

    private static Rule rule(Object item, String where) {
        if (!(item instanceof Map<?, ?> pattern)) throw new ConfigException(where, "must be a mapping: {pattern_type, pattern_name, action}");
        Action action = action(pattern.get("action"), where + ".action");
        Object type = pattern.get("pattern_type");
        String kind = type == null ? (pattern.get("pattern") != null ? "regex" : "prebuilt") : String.valueOf(type).toLowerCase(Locale.ROOT);
        if (kind.equals("prebuilt")) {
            Object given = pattern.get("pattern_name");
            Detector detector = given == null ? null : Detector.PREBUILT.get(String.valueOf(given).toLowerCase(Locale.ROOT));
            if (detector == null) {
                throw new ConfigException(where + ".pattern_name", (given == null ? "is required" : "'" + given + "' is not a prebuilt pattern")
                        + "; Relay has: " + String.join(", ", Detector.PREBUILT.keySet()));
            }
            return new Rule(detector, action);
        }
        if (kind.equals("regex")) {
            if (!(pattern.get("pattern") instanceof String regex) || regex.isEmpty()) {
                throw new ConfigException(where + ".pattern", "is required: the regular expression to find");
            }
            if (!(pattern.get("name") instanceof String label) || label.isBlank()) {
                throw new ConfigException(where + ".name", "is required: it names the values found, in masks and in the request log");
            }
            try {
                return new Rule(new Detector(label, Pattern.compile(regex)), action);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(where + ".pattern", "is not a valid regular expression: " + e.getDescription());
            }
        }
        throw new ConfigException(where + ".pattern_type", "'" + type + "' is not supported; use prebuilt or regex");
    }

    private static Keyword keyword(Object item, String where) {
        if (!(item instanceof Map<?, ?> word) || !(word.get("keyword") instanceof String keyword) || keyword.isBlank()) {
            throw new ConfigException(where, "must be a mapping with a keyword: {keyword: ..., action: BLOCK}");
        }
        String quoted = Pattern.quote(keyword.strip());
        // a whole word (or phrase) where it starts or ends with a letter or digit: "secret" does not mask "secretary"
        String start = Character.isLetterOrDigit(keyword.strip().charAt(0)) ? "(?<![\\p{L}\\p{N}_])" : "";
        String end = Character.isLetterOrDigit(keyword.strip().charAt(keyword.strip().length() - 1)) ? "(?![\\p{L}\\p{N}_])" : "";
        return new Keyword(Pattern.compile(start + quoted + end, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
                action(word.get("action"), where + ".action"));
    }

    /** LiteLLM's {@code MASK} or {@code BLOCK}; none given blocks, the safe reading of a rule that says nothing. */
    private static Action action(Object given, String where) {
        if (given == null) return Action.BLOCK;
        try {
            return Action.valueOf(String.valueOf(given).trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where, "'" + given + "' is not an action; use MASK or BLOCK");
        }
    }

    private static List<Object> list(Object value, String where) {
        if (value == null) return List.of();
        if (!(value instanceof List<?> items)) throw new ConfigException(where, "must be a list");
        return new ArrayList<>(items);
    }

    private static String text(Object value, String where, String fallback) {
        if (value == null) return fallback;
        if (!(value instanceof String s) || s.isEmpty()) throw new ConfigException(where, "must be text");
        return s;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean defaultOn() {
        return defaultOn;
    }

    @Override
    public Findings screen(Texts texts) {
        Findings.Counter counter = new Findings.Counter();
        for (int i = 0; i < texts.size(); i++) {
            String original = texts.get(i);
            String text = original;
            for (Rule rule : rules) {
                List<Detector.Span> spans = rule.detector().find(text);
                if (spans.isEmpty()) continue;
                counter.add(rule.detector().label(), rule.action() == Action.BLOCK, spans.size());
                text = replace(text, spans, redactionFormat.replace("{pattern_name}", rule.detector().label()));
            }
            for (Keyword keyword : keywords) {
                var matcher = keyword.pattern().matcher(text);
                int found = 0;
                while (matcher.find()) found++;
                if (found == 0) continue;
                counter.add(KEYWORD_LABEL, keyword.action() == Action.BLOCK, found);
                text = keyword.pattern().matcher(text).replaceAll(java.util.regex.Matcher.quoteReplacement(keywordTag));
            }
            if (!text.equals(original)) texts.set(i, text);
        }
        return counter.findings();
    }

    private static String replace(String text, List<Detector.Span> spans, String token) {
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Detector.Span span : spans) {
            out.append(text, at, span.start()).append(token);
            at = span.end();
        }
        return out.append(text, at, text.length()).toString();
    }
}
