package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;
import static relay.dynamodb.embedded.Fixtures.uniqueTableName;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

class BatchOperationsTest extends ServerTest {

    private static WriteRequest put(String id, long value) {
        return WriteRequest.builder().putRequest(p -> p.item(item("id", s(id), "v", n(value)))).build();
    }

    private static WriteRequest delete(String id) {
        return WriteRequest.builder().deleteRequest(d -> d.key(item("id", s(id)))).build();
    }

    @Test
    void batchWrite_putsAndDeletesAcrossTables_thenBatchGetReadsThem() {
        String a = uniqueTableName("batch-a");
        String b = uniqueTableName("batch-b");
        createActive(table(a, "id", null, null).build());
        createActive(table(b, "id", null, null).build());
        client.putItem(r -> r.tableName(a).item(item("id", s("old"), "v", n(0))));

        var written = client.batchWriteItem(r -> r.requestItems(Map.of(
                a, List.of(put("a1", 1), put("a2", 2), delete("old")),
                b, List.of(put("b1", 3)))));
        var read = client.batchGetItem(r -> r.requestItems(Map.of(
                a, KeysAndAttributes.builder().keys(item("id", s("a1")), item("id", s("a2")), item("id", s("old")))
                        .build(),
                b, KeysAndAttributes.builder().keys(item("id", s("b1"))).projectionExpression("v").build())));

        assertTrue(written.unprocessedItems().isEmpty());
        assertEquals(Set.of("a1", "a2"),
                read.responses().get(a).stream().map(i -> i.get("id").s()).collect(Collectors.toSet()));
        assertEquals(List.of(item("v", n(3))), read.responses().get(b));
        assertTrue(read.unprocessedKeys().isEmpty());
    }

    @Test
    void batchWrite_moreThan25Requests_isValidationErrorAndWritesNothing() {
        String name = uniqueTableName("batch-big");
        createActive(table(name, "id", null, null).build());
        List<WriteRequest> requests = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            requests.add(put("i" + i, i));
        }

        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.batchWriteItem(r -> r.requestItems(Map.of(name, requests))));

        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
        assertEquals(0, client.scan(r -> r.tableName(name)).count());
    }

    @Test
    void batchWrite_withAnInvalidItem_writesNothing() {
        String name = uniqueTableName("batch-invalid");
        createActive(table(name, "id", null, null).build());
        WriteRequest invalid = WriteRequest.builder().putRequest(p -> p.item(item("other", s("x")))).build();

        assertThrows(DynamoDbException.class,
                () -> client.batchWriteItem(r -> r.requestItems(Map.of(name, List.of(put("ok", 1), invalid)))));

        assertEquals(0, client.scan(r -> r.tableName(name)).count());
    }

    @Test
    void batchWrite_duplicateKeys_isValidationError() {
        String name = uniqueTableName("batch-dup");
        createActive(table(name, "id", null, null).build());

        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.batchWriteItem(
                r -> r.requestItems(Map.of(name, List.of(put("same", 1), delete("same"))))));

        assertEquals("Provided list of item keys contains duplicates", e.awsErrorDetails().errorMessage());
    }

    @Test
    void batchGet_unknownTable_throwsResourceNotFound() {
        assertThrows(ResourceNotFoundException.class, () -> client.batchGetItem(r -> r.requestItems(Map.of(
                "missing-table", KeysAndAttributes.builder().keys(item("id", s("x"))).build()))));
    }

    @Test
    void batchWrite_withNoRequestsForATable_isValidationError() {
        String name = uniqueTableName("batch-empty");
        createActive(table(name, "id", null, null).build());

        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.batchWriteItem(r -> r.requestItems(Map.of(name, List.of()))));

        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
    }
}
