package relay.core.guardrail;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds one kind of sensitive value in text: a pattern, and for numbers that carry a checksum (card numbers, IBANs)
 * the check that tells a real one from any run of digits. The prebuilt ones go by LiteLLM's
 * {@code litellm_content_filter} pattern names.
 *
 * @param name  the pattern's name ({@code email}, {@code us_ssn}); upper-cased, it names the value in masks and counts
 */
public record Detector(String name, Pattern pattern, Predicate<String> valid, boolean trimToValid) {

    /** Where one value is in a text. */
    public record Span(int start, int end) {}

    public Detector(String name, Pattern pattern) {
        this(name, pattern, value -> true, false);
    }

    /** The values in {@code text}, in order, not overlapping. */
    public List<Span> find(String text) {
        List<Span> spans = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            if (matcher.end() == matcher.start()) continue;
            String found = matcher.group();
            if (valid.test(found)) {
                spans.add(new Span(matcher.start(), matcher.end()));
            } else if (trimToValid) {
                // the pattern may have run on into the next word (IBANs are written in groups): the longest valid start
                for (int end = found.length() - 1; end > 0; end--) {
                    if (found.charAt(end) == ' ' && valid.test(found.substring(0, end))) {
                        spans.add(new Span(matcher.start(), matcher.start() + end));
                        break;
                    }
                }
            }
        }
        return spans;
    }

    /** The label of this detector's values in masks and counts: {@code email} is {@code EMAIL}. */
    public String label() {
        return name.toUpperCase(Locale.ROOT);
    }

    // Bounded quantifiers and lookarounds throughout: these run on every text of every request, up to megabytes.
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){0,8}\\.[A-Za-z]{2,24}(?![\\w-])");
    private static final Pattern PHONE = Pattern.compile(
            // not part of a longer run of digit groups (a card number, an account number): nothing adjoins it
            "(?<![\\w+])(?<!\\d[ .-])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?|\\d{2,4}[ .-])\\d{3,4}[ .-]\\d{3,4}(?!\\w)(?![ .-]?\\d)");
    private static final Pattern US_SSN = Pattern.compile(
            "(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}([- ])(?!00)\\d{2}\\1(?!0000)\\d{4}(?![\\d-])");
    private static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    private static final Pattern IBAN = Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])");
    private static final Pattern AWS_ACCESS_KEY = Pattern.compile("(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])");

    /**
     * The prebuilt detectors by name, in the order they run: the most specific first, so that a card number is
     * masked as a card before the phone pattern could take a part of it.
     */
    public static final Map<String, Detector> PREBUILT = prebuilt();

    private static Map<String, Detector> prebuilt() {
        Map<String, Detector> all = new java.util.LinkedHashMap<>();
        for (Detector d : List.of(
                new Detector("aws_access_key", AWS_ACCESS_KEY),
                new Detector("iban", IBAN, Detector::validIban, true),
                new Detector("credit_card", CARD, card(digits -> true), false),
                new Detector("visa", CARD, card(d -> d.startsWith("4") && (d.length() == 13 || d.length() == 16 || d.length() == 19)), false),
                new Detector("mastercard", CARD, card(Detector::mastercard), false),
                new Detector("amex", CARD, card(d -> (d.startsWith("34") || d.startsWith("37")) && d.length() == 15), false),
                new Detector("us_ssn", US_SSN),
                new Detector("email", EMAIL),
                new Detector("phone", PHONE))) {
            all.put(d.name(), d);
        }
        return java.util.Collections.unmodifiableMap(all);
    }

    private static Predicate<String> card(Predicate<String> brand) {
        return text -> {
            String digits = text.replace(" ", "").replace("-", "");
            return digits.length() >= 13 && digits.length() <= 19 && luhn(digits) && brand.test(digits);
        };
    }

    private static boolean mastercard(String digits) {
        if (digits.length() != 16) return false;
        int two = Integer.parseInt(digits.substring(0, 2));
        int four = Integer.parseInt(digits.substring(0, 4));
        return (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720);
    }

    /** The Luhn check every payment card number passes (and nine in ten other digit runs fail). */
    static boolean luhn(String digits) {
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /** ISO 13616's check: the country and check digits moved to the end, letters as numbers, mod 97 is 1. */
    static boolean validIban(String text) {
        String compact = text.replace(" ", "");
        if (compact.length() < 15 || compact.length() > 34) return false;
        String moved = compact.substring(4) + compact.substring(0, 4);
        StringBuilder numeric = new StringBuilder(moved.length() * 2);
        for (char c : moved.toCharArray()) {
            if (c >= '0' && c <= '9') numeric.append(c);
            else if (c >= 'A' && c <= 'Z') numeric.append(c - 'A' + 10);
            else return false;
        }
        return new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }
}
