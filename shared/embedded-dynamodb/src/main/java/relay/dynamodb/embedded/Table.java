package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One table's items and secondary indexes, guarded by a read-write lock. Items are kept as {@link StoredItem}s (their
 * JSON bytes) and parsed into a fresh tree for every read, so what a read hands out is the caller's own.
 *
 * <p>Items live in the heap. With TTL on, expired items are deleted by {@link #sweepExpired}, as DynamoDB's TTL
 * process does (it writes a REMOVE stream record by the TTL service); an index of expiry times keeps the sweep from
 * reading the whole table. An optional cap on the item count bounds a table that TTL alone does not (a burst, a long
 * TTL): over the cap, the items that expire soonest are deleted early, the same way. Items without a TTL value, and
 * tables without TTL, are never deleted by the cap.
 */
final class Table {
    private static final long MAX_PAGE_BYTES = 1024 * 1024;
    /** TTL ignores expiry times more than five years in the past, as DynamoDB does. */
    private static final long TTL_MAX_AGE_SECONDS = 5L * 365 * 24 * 60 * 60;

    /** An item's TTL expiry; ordered by time, then key. */
    private record Expiry(BigDecimal at, List<KeyValue> key) {
        static final Comparator<Expiry> ORDER =
                Comparator.comparing(Expiry::at).thenComparing(Expiry::key, KeyValue.ORDER);
    }

    private final TableSchema schema;
    private final long maxItems;
    private final TreeSet<Expiry> expiries = new TreeSet<>(Expiry.ORDER);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<List<KeyValue>, StoredItem> items = new TreeMap<>(KeyValue.ORDER);
    private final Map<String, TreeMap<List<KeyValue>, StoredItem>> indexes = new HashMap<>();
    private final Map<String, Long> indexBytes = new HashMap<>();
    private final StreamLog stream;
    private final TableLog log;
    private long sizeBytes;
    private String ttlAttribute;
    /** Set once the table is deleted or the server closed; a write racing with that must not touch the log. */
    private boolean closed;

    /** The item before and after a write; either may be null. */
    record Change(ObjectNode oldItem, ObjectNode newItem) {
    }

    /** What a Query or Scan reads: one partition of the table or an index, or all of it. */
    record ReadSpec(IndexSchema index, KeyValue partition, Predicate<JsonNode> keyCondition,
            Predicate<JsonNode> filter, boolean forward, ObjectNode exclusiveStartKey, int limit, int segment,
            int totalSegments) {
    }

    record ReadResult(List<ObjectNode> items, int scannedCount, ObjectNode lastEvaluatedKey) {
    }

    /** {@code maxItems} 0: no cap. */
    Table(TableSchema schema, TableLog log, String ttlAttribute, Collection<ObjectNode> initialItems, long maxItems) {
        this.schema = schema;
        this.maxItems = maxItems;
        this.log = log;
        this.ttlAttribute = ttlAttribute;
        this.stream = schema.streamArn() != null ? new StreamLog(schema) : null;
        for (IndexSchema index : schema.indexes()) {
            indexes.put(index.name(), new TreeMap<>(KeyValue.ORDER));
            indexBytes.put(index.name(), 0L);
        }
        for (ObjectNode item : initialItems) {
            store(schema.keyOf(item), null, null, item, StoredItem.of(item));
        }
    }

    TableSchema schema() {
        return schema;
    }

    StreamLog stream() {
        return stream;
    }

    String ttlAttribute() {
        lock.readLock().lock();
        try {
            return ttlAttribute;
        } finally {
            lock.readLock().unlock();
        }
    }

    void setTtlAttribute(String attribute) {
        lock.writeLock().lock();
        try {
            checkOpen();
            if (log != null) {
                log.ttl(attribute);
            }
            ttlAttribute = attribute;
            expiries.clear();
            items.forEach((key, item) -> addExpiry(key, item.tree()));
        } finally {
            lock.writeLock().unlock();
        }
    }

    ObjectNode describe(String status) {
        lock.readLock().lock();
        try {
            Map<String, long[]> indexStats = new HashMap<>();
            indexes.forEach((name, index) -> indexStats.put(name, new long[] {index.size(), indexBytes.get(name)}));
            return schema.describe(status, new TableSchema.Stats(items.size(), sizeBytes, indexStats));
        } finally {
            lock.readLock().unlock();
        }
    }

    ObjectNode get(ObjectNode key) {
        StoredItem item;
        lock.readLock().lock();
        try {
            item = items.get(schema.keyOf(key));
        } finally {
            lock.readLock().unlock();
        }
        return item == null ? null : item.tree();
    }

    /**
     * The single write primitive. {@code transform} sees the current item (or null) under the write lock and
     * returns the new item, or null to delete; it throws to reject the write (a failed condition).
     */
    Change write(ObjectNode key, UnaryOperator<ObjectNode> transform) {
        return write(schema.keyOf(key), transform, false);
    }

    private Change write(List<KeyValue> key, UnaryOperator<ObjectNode> transform, boolean expiredByTtl) {
        lock.writeLock().lock();
        try {
            checkOpen();
            StoredItem oldStored = items.get(key);
            ObjectNode oldItem = oldStored == null ? null : oldStored.tree();
            ObjectNode newItem = transform.apply(oldItem);
            if (newItem == oldItem) {
                return new Change(oldItem, newItem);
            }
            commit(key, oldStored, oldItem, newItem, expiredByTtl);
            evictOverCap();
            if (log != null) {
                log.compactIfLarge(schema, ttlAttribute, items.values());
            }
            return new Change(oldItem, newItem);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Logs a change, applies it and records it in the stream; caller holds the write lock. */
    private void commit(List<KeyValue> key, StoredItem oldStored, ObjectNode oldItem, ObjectNode newItem,
            boolean expiredByTtl) {
        StoredItem newStored = newItem == null ? null : StoredItem.of(newItem);
        if (log != null) {
            if (newStored != null) {
                log.put(newStored);
            } else {
                log.delete(schema.keyAttributes(oldItem, null));
            }
        }
        store(key, oldStored, oldItem, newItem, newStored);
        // DynamoDB writes no stream record for a write that leaves the item unchanged.
        boolean changed = oldItem == null || newItem == null
                || !AttributeValues.equal(AttributeValues.of("M", oldItem), AttributeValues.of("M", newItem));
        if (stream != null && changed) {
            stream.append(oldItem, newItem, expiredByTtl);
        }
    }

    /**
     * Over the cap, deletes the items that expire soonest, as TTL deletions; caller holds the write lock. A delete
     * that cannot be logged (a full disk) stops this one and is tried again on the next write or sweep: the write
     * that got here has succeeded and must not fail for it.
     */
    private void evictOverCap() {
        while (maxItems > 0 && items.size() > maxItems && !expiries.isEmpty()) {
            List<KeyValue> key = expiries.first().key();
            StoredItem victim = items.get(key);
            if (victim == null) {
                expiries.pollFirst(); // cannot happen: store() keeps the two in step; never loop on it
                continue;
            }
            try {
                commit(key, victim, victim.tree(), null, true);
            } catch (RuntimeException e) {
                return;
            }
        }
    }

    /**
     * Runs {@code body} holding the write locks of all {@code tables}, taken in name order so concurrent
     * transactions cannot deadlock. The locks are reentrant, so the body may call {@link #get} and {@link #write}.
     */
    static <T> T atomically(Collection<Table> tables, Supplier<T> body) {
        List<Table> ordered = tables.stream().distinct()
                .sorted(Comparator.comparing(table -> table.schema.name())).toList();
        int locked = 0;
        try {
            for (Table table : ordered) {
                table.lock.writeLock().lock();
                locked++;
            }
            return body.get();
        } finally {
            for (int i = locked - 1; i >= 0; i--) {
                ordered.get(i).lock.writeLock().unlock();
            }
        }
    }

    /**
     * Updates the table map, the size figure and every index; caller holds the write lock. Each item comes both as
     * stored and as a tree (null both for none).
     */
    private void store(List<KeyValue> key, StoredItem oldStored, ObjectNode oldItem, ObjectNode newItem,
            StoredItem newStored) {
        if (oldItem != null) {
            sizeBytes -= oldStored.size();
            BigDecimal expiry = expiryOf(oldItem);
            if (expiry != null) {
                expiries.remove(new Expiry(expiry, key));
            }
        }
        if (newItem != null) {
            items.put(key, newStored);
            sizeBytes += newStored.size();
            addExpiry(key, newItem);
        } else {
            items.remove(key);
        }
        for (IndexSchema index : schema.indexes()) {
            TreeMap<List<KeyValue>, StoredItem> entries = indexes.get(index.name());
            if (oldItem != null) {
                List<KeyValue> oldKey = schema.indexKeyOf(index, oldItem);
                StoredItem removed = oldKey == null ? null : entries.remove(oldKey);
                if (removed != null) {
                    indexBytes.merge(index.name(), -removed.size(), Long::sum);
                }
            }
            if (newItem != null) {
                List<KeyValue> newKey = schema.indexKeyOf(index, newItem);
                if (newKey != null) {
                    StoredItem projected = StoredItem.of(index.project(newItem, schema.keys()));
                    entries.put(newKey, projected);
                    indexBytes.merge(index.name(), projected.size(), Long::sum);
                }
            }
        }
    }

    /**
     * Reads a page in key order. Limit and the 1 MB page size count items evaluated before the filter, as in
     * DynamoDB; LastEvaluatedKey is set whenever the page stopped early.
     */
    ReadResult read(ReadSpec spec) {
        lock.readLock().lock();
        try {
            NavigableMap<List<KeyValue>, StoredItem> source =
                    spec.index() == null ? items : indexes.get(spec.index().name());
            // [p] sorts before every key in partition p (a proper prefix sorts first) and is the whole key of a
            // hash-only table; [p, MAX] sorts after every key in it.
            List<KeyValue> low = spec.partition() == null ? null : List.of(spec.partition());
            List<KeyValue> high = spec.partition() == null ? null : List.of(spec.partition(), KeyValue.MAX);
            boolean lowInclusive = true;
            boolean highInclusive = true;
            if (spec.exclusiveStartKey() != null) {
                List<KeyValue> start = startKey(spec.index(), spec.exclusiveStartKey());
                if (spec.partition() != null && !start.get(0).equals(spec.partition())) {
                    throw ApiException.validation(
                            "The provided starting key is outside query boundaries based on provided conditions");
                }
                if (spec.forward()) {
                    low = start;
                    lowInclusive = false;
                } else {
                    high = start;
                    highInclusive = false;
                }
            }
            if (low != null && high != null) {
                source = KeyValue.ORDER.compare(low, high) > 0 ? new TreeMap<>(KeyValue.ORDER)
                        : source.subMap(low, lowInclusive, high, highInclusive);
            } else if (low != null) {
                source = source.tailMap(low, lowInclusive);
            } else if (high != null) {
                source = source.headMap(high, highInclusive);
            }
            if (!spec.forward()) {
                source = source.descendingMap();
            }
            List<ObjectNode> matched = new ArrayList<>();
            int scanned = 0;
            long bytes = 0;
            ObjectNode lastEvaluatedKey = null;
            for (StoredItem stored : source.values()) {
                ObjectNode item = stored.tree();
                if (spec.totalSegments() > 1 && Math.floorMod(KeyValue.of(item.get(schema.keys().hash()))
                        .stableHash(), spec.totalSegments()) != spec.segment()) {
                    continue;
                }
                if (spec.keyCondition() != null && !spec.keyCondition().test(item)) {
                    continue;
                }
                scanned++;
                bytes += stored.size();
                if (spec.filter() == null || spec.filter().test(item)) {
                    matched.add(item);
                }
                if (scanned == spec.limit() || bytes >= MAX_PAGE_BYTES) {
                    lastEvaluatedKey = schema.keyAttributes(item, spec.index());
                    break;
                }
            }
            return new ReadResult(matched, scanned, lastEvaluatedKey);
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<KeyValue> startKey(IndexSchema index, ObjectNode exclusiveStartKey) {
        List<String> names = new ArrayList<>(schema.keys().names());
        if (index != null) {
            index.keys().names().stream().filter(n -> !names.contains(n)).forEach(names::add);
        }
        for (String name : names) {
            JsonNode av = exclusiveStartKey.get(name);
            if (av == null || !schema.attributeTypes().get(name).equals(AttributeValues.type(av))) {
                throw ApiException.validation(
                        "The provided starting key is invalid: The provided key element does not match the schema");
            }
        }
        if (exclusiveStartKey.size() != names.size()) {
            throw ApiException.validation(
                    "The provided starting key is invalid: The provided key element does not match the schema");
        }
        return index == null ? schema.keyOf(exclusiveStartKey) : schema.indexKeyOf(index, exclusiveStartKey);
    }

    /**
     * Deletes items whose TTL attribute holds an epoch-seconds time before {@code nowSeconds} (ignoring times more
     * than five years back, as DynamoDB does), then any items over the cap; returns how many it deleted.
     */
    int sweepExpired(long nowSeconds) {
        List<List<KeyValue>> expired = new ArrayList<>();
        lock.readLock().lock();
        try {
            if (ttlAttribute == null) {
                return 0;
            }
            expiries.subSet(new Expiry(BigDecimal.valueOf(nowSeconds - TTL_MAX_AGE_SECONDS), List.of()), true,
                    new Expiry(BigDecimal.valueOf(nowSeconds), List.of()), false)
                    .forEach(expiry -> expired.add(expiry.key()));
        } finally {
            lock.readLock().unlock();
        }
        int deleted = 0;
        for (List<KeyValue> key : expired) {
            Change change;
            try {
                change = write(key, item -> item != null && isExpired(item, nowSeconds) ? null : item, true);
            } catch (ApiException tableDeleted) {
                return deleted;
            }
            if (change.oldItem() != null && change.newItem() == null) {
                deleted++;
            }
        }
        lock.writeLock().lock();
        try {
            if (!closed) {
                int before = items.size();
                evictOverCap();
                deleted += before - items.size();
            }
        } finally {
            lock.writeLock().unlock();
        }
        return deleted;
    }

    private boolean isExpired(ObjectNode item, long nowSeconds) {
        BigDecimal expiry = expiryOf(item);
        return expiry != null && expiry.compareTo(BigDecimal.valueOf(nowSeconds)) < 0
                && expiry.compareTo(BigDecimal.valueOf(nowSeconds - TTL_MAX_AGE_SECONDS)) >= 0;
    }

    /** The item's TTL time in epoch seconds; null without TTL on, or when the attribute is absent or not a number. */
    private BigDecimal expiryOf(ObjectNode item) {
        JsonNode av = ttlAttribute == null ? null : item.get(ttlAttribute);
        return av == null || !av.has("N") ? null : new BigDecimal(av.get("N").asText());
    }

    private void addExpiry(List<KeyValue> key, ObjectNode item) {
        BigDecimal expiry = expiryOf(item);
        if (expiry != null) {
            expiries.add(new Expiry(expiry, key));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw ApiException.resourceNotFound("Requested resource not found");
        }
    }

    void close() {
        lock.writeLock().lock();
        try {
            if (!closed && log != null) {
                log.close();
            }
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    void deleteFiles() {
        lock.writeLock().lock();
        try {
            if (log != null) {
                log.deleteFile();
            }
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
