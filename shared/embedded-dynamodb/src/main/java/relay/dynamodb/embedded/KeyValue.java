package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A comparable scalar key component (S, N or B) in DynamoDB's sort order: strings by UTF-8 bytes, numbers by
 * value, binary by unsigned bytes. {@link #MAX} bounds range scans over composite keys.
 */
final class KeyValue implements Comparable<KeyValue> {
    static final KeyValue MAX = new KeyValue(4, null, null);

    /** Composite keys compare element-wise; a proper prefix sorts first. */
    static final Comparator<List<KeyValue>> ORDER = (a, b) -> {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private final int rank;
    private final BigDecimal number;
    private final byte[] bytes;

    private KeyValue(int rank, BigDecimal number, byte[] bytes) {
        this.rank = rank;
        this.number = number;
        this.bytes = bytes;
    }

    /** The key value of an S, N or B attribute value; null for any other type. */
    static KeyValue of(JsonNode av) {
        if (av == null) {
            return null;
        }
        String text = AttributeValues.value(av).asText();
        return switch (AttributeValues.type(av)) {
            case "B" -> new KeyValue(1, null, AttributeValues.decode(text));
            case "N" -> new KeyValue(2, new BigDecimal(text), null);
            case "S" -> new KeyValue(3, null, AttributeValues.utf8(text));
            default -> null;
        };
    }

    @Override
    public int compareTo(KeyValue other) {
        if (rank != other.rank) {
            return Integer.compare(rank, other.rank);
        }
        if (number != null) {
            return number.compareTo(other.number);
        }
        if (bytes != null) {
            return Arrays.compareUnsigned(bytes, other.bytes);
        }
        return 0;
    }

    /** A hash stable across runs, used to assign items to parallel-scan segments. */
    int stableHash() {
        return number != null ? number.stripTrailingZeros().hashCode() : Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue other && compareTo(other) == 0;
    }

    @Override
    public int hashCode() {
        return stableHash();
    }
}
