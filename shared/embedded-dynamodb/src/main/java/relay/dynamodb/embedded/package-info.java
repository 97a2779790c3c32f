/**
 * An in-process, DynamoDB-compatible HTTP server for tests and local runs; see
 * {@link relay.dynamodb.embedded.EmbeddedDynamoDb}.
 *
 * <p>Request flow: {@code ApiHandler} (AWS JSON 1.0 over the JDK HTTP server) dispatches by {@code X-Amz-Target}
 * to {@code TableOperations}, {@code ItemOperations}, {@code ReadOperations}, {@code TransactionOperations} and
 * {@code StreamOperations}. Those validate the request, parse its expressions ({@code ExpressionParser}) and work on
 * a {@code Table}: items in key order plus one ordered map per secondary index, under a per-table read-write lock.
 * {@code TableLog} persists a table as an append-only JSON-lines file and {@code StreamLog} keeps its stream
 * records.
 *
 * <p>A data directory survives a full disk: a failed append is cut back off the file (or the next record starts on
 * a new line), and loading skips torn lines wherever they are, reporting them on standard error, one line per file.
 * Items live in the heap: TTL deletion (a sweep every minute) and the optional per-table item cap are what bound it.
 *
 * <p>Not implemented (requests fail with UnknownOperationException or a ValidationException naming the
 * parameter): UpdateTable, PartiQL (ExecuteStatement and friends), backups, global tables, tagging, imports and
 * exports, and the legacy pre-expression parameters (Expected, KeyConditions, AttributeUpdates, ...). Capacity is
 * never throttled and BatchWriteItem/BatchGetItem never return unprocessed items.
 */
package relay.dynamodb.embedded;
