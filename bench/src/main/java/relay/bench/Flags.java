package relay.bench;

/** The benches' command-line values: each refusal names the flag, for the usage message that follows it. */
public final class Flags {
    private Flags() {}

    /** The value after {@code flag} at {@code args[i]}. */
    public static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    public static int positive(String flag, String value) {
        int n = nonNegative(flag, value);
        if (n == 0) throw new IllegalArgumentException(flag + " must be at least 1");
        return n;
    }

    public static int nonNegative(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) throw new IllegalArgumentException(flag + " must not be negative");
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, not '" + value + "'");
        }
    }
}
