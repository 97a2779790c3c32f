package relay.core.access;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One atomic change to a counter item (the numbers of a key's, team's or end user's usage): amounts
 * added to attributes (an absent attribute counts as 0), attributes removed, and conditions that must
 * all hold on the item as it is, else nothing changes. A store applies it in one conditional write
 * (DynamoDB: one {@code UpdateItem}); {@link #holds} and {@link #applyTo} are the meaning both stores share.
 */
public record CounterUpdate(Map<String, BigDecimal> add, Set<String> remove, List<Condition> conditions) {

    public CounterUpdate {
        add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
        remove = Collections.unmodifiableSet(new LinkedHashSet<>(remove));
        conditions = List.copyOf(conditions);
        for (String name : remove) {
            if (add.containsKey(name)) throw new IllegalArgumentException("attribute both added to and removed: " + name);
        }
    }

    /** A test on one numeric attribute of the item before the change. */
    public sealed interface Condition {
        String attribute();

        boolean holds(Map<String, BigDecimal> item);
    }

    /** The attribute (absent: 0) is at most {@code limit}, which is 0 or more. */
    public record AtMost(String attribute, BigDecimal limit) implements Condition {
        public AtMost {
            if (limit.signum() < 0) throw new IllegalArgumentException("AtMost needs a limit of 0 or more");
        }

        @Override
        public boolean holds(Map<String, BigDecimal> item) {
            return item.getOrDefault(attribute, BigDecimal.ZERO).compareTo(limit) <= 0;
        }
    }

    /** The attribute (absent: 0) is below {@code limit}, which is above 0. */
    public record Below(String attribute, BigDecimal limit) implements Condition {
        public Below {
            if (limit.signum() <= 0) throw new IllegalArgumentException("Below needs a limit above 0");
        }

        @Override
        public boolean holds(Map<String, BigDecimal> item) {
            return item.getOrDefault(attribute, BigDecimal.ZERO).compareTo(limit) < 0;
        }
    }

    /** The attribute is there and equals {@code value}. */
    public record Equal(String attribute, BigDecimal value) implements Condition {
        @Override
        public boolean holds(Map<String, BigDecimal> item) {
            BigDecimal v = item.get(attribute);
            return v != null && v.compareTo(value) == 0;
        }
    }

    /** The attribute is there. */
    public record Present(String attribute) implements Condition {
        @Override
        public boolean holds(Map<String, BigDecimal> item) {
            return item.containsKey(attribute);
        }
    }

    public boolean isEmpty() {
        return add.isEmpty() && remove.isEmpty();
    }

    public boolean holds(Map<String, BigDecimal> item) {
        for (Condition c : conditions) {
            if (!c.holds(item)) return false;
        }
        return true;
    }

    /** The item after the change (the conditions are not checked here). */
    public Map<String, BigDecimal> applyTo(Map<String, BigDecimal> item) {
        Map<String, BigDecimal> after = new HashMap<>(item);
        add.forEach((name, amount) -> after.merge(name, amount, BigDecimal::add));
        remove.forEach(after::remove);
        return after;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<String, BigDecimal> add = new LinkedHashMap<>();
        private final Set<String> remove = new LinkedHashSet<>();
        private final List<Condition> conditions = new ArrayList<>();

        /** Adds to what is already to be added to the attribute. */
        public Builder add(String attribute, BigDecimal amount) {
            add.merge(attribute, amount, BigDecimal::add);
            return this;
        }

        public Builder add(String attribute, long amount) {
            return add(attribute, BigDecimal.valueOf(amount));
        }

        public Builder remove(String attribute) {
            remove.add(attribute);
            return this;
        }

        public Builder require(Condition condition) {
            conditions.add(condition);
            return this;
        }

        public boolean isEmpty() {
            return add.isEmpty() && remove.isEmpty();
        }

        public CounterUpdate build() {
            return new CounterUpdate(add, remove, conditions);
        }
    }
}
