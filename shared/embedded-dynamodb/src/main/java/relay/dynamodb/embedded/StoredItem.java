package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An item as a table keeps it: its JSON bytes and its DynamoDB size, parsed again only when it is read. A table of
 * tens of thousands of items is then that many byte arrays rather than trees of small objects, which every young
 * garbage collection would otherwise have to copy or scan.
 */
record StoredItem(byte[] json, long size) {
    static StoredItem of(ObjectNode item) {
        return new StoredItem(Json.bytes(item), AttributeValues.itemSize(item));
    }

    /** A fresh tree of the item, the caller's to keep or change. */
    ObjectNode tree() {
        return Json.parseObject(json);
    }
}
